package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.policy.Limit;
import java.time.Duration;
import java.time.Instant;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class KeyedLimiterTest {
  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final Duration HOUR = Duration.ofHours(1);

  private final ManualTicker ticker = new ManualTicker(Instant.parse("2030-06-01T12:00:30Z"));

  private KeyedLimiter<String> limiter(
      UnaryOperator<KeyedLimiter.Builder<String>> settings, Limit... limits) {
    return settings
        .apply(KeyedLimiter.<String>builder(limits).ticker(ticker).executor(Runnable::run))
        .build();
  }

  private KeyedLimiter<String> limiter(Limit... limits) {
    return limiter(b -> b, limits);
  }

  private static int acquireUntilDenied(KeyedLimiter<String> l, String key, int max) {
    int n = 0;
    while (n < max && l.tryAcquire(key)) {
      n++;
    }
    return n;
  }

  @Test
  void tryAcquire_admitsExactlyTheLimitPerKey() {
    KeyedLimiter<String> l = limiter(LimitKind.FIXED.of("hourly", 5, HOUR));

    assertThat(acquireUntilDenied(l, "alice", 100)).isEqualTo(5);
    assertThat(acquireUntilDenied(l, "bob", 100)).isEqualTo(5);
    assertThat(l.tryAcquire("alice")).isFalse();
    assertThat(l.size()).isEqualTo(2);
  }

  @Test
  void tryAcquire_deniedByOneLimit_chargesNoOtherLimit() {
    KeyedLimiter<String> l =
        limiter(
            LimitKind.FIXED.of("hourly", 10, HOUR), LimitKind.SLIDING.of("minutely", 3, MINUTE));

    int admitted = 0;
    for (int minute = 0; minute < 10; minute++) {
      for (int i = 0; i < 20; i++) { // 17 denials a minute must not eat the hourly limit
        admitted += l.tryAcquire("alice") ? 1 : 0;
      }
      ticker.advance(Duration.ofMinutes(2)); // the sliding minute fully drains
    }

    assertThat(admitted).as("3 a minute until the 10 an hour are used").isEqualTo(10);
  }

  @Test
  void tryAcquire_units_allOrNothing() {
    KeyedLimiter<String> l =
        limiter(
            LimitKind.TOKEN_BUCKET.of("bucket", 10, HOUR),
            LimitKind.LIFETIME.of("budget", 6, HOUR));

    assertThat(l.tryAcquire("k", 4)).isTrue();
    assertThat(l.tryAcquire("k", 3)).as("the budget has 2 left").isFalse();
    assertThat(l.tryAcquire("k", 2)).isTrue();
    assertThat(l.tryAcquire("k", 1)).isFalse();
    assertThat(l.tryAcquire("k", 0)).as("zero units only read").isTrue();
  }

  @Test
  void tryAcquire_unitsAboveCapacity_neverPass() {
    KeyedLimiter<String> l = limiter(LimitKind.FIXED.of("hourly", 5, HOUR));

    assertThat(l.tryAcquire("k", 6)).isFalse();
    assertThat(l.tryAcquire("k", 5)).isTrue();
  }

  @Test
  void tryAcquire_badArguments_areRejected() {
    KeyedLimiter<String> l = limiter(LimitKind.FIXED.of("hourly", 5, HOUR));

    assertThatThrownBy(() -> l.tryAcquire("k", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("units must not be negative, got -1");
    assertThatThrownBy(() -> l.tryAcquire(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
  }

  @Test
  void tryAcquire_nextWindow_countsAfresh() {
    KeyedLimiter<String> l = limiter(LimitKind.FIXED.of("per-second", 2, SECOND));
    acquireUntilDenied(l, "k", 10);

    ticker.advance(SECOND);

    assertThat(acquireUntilDenied(l, "k", 10)).isEqualTo(2);
  }

  @Test
  void keysAreComparedByEquals() {
    KeyedLimiter<String> l = limiter(LimitKind.FIXED.of("hourly", 2, HOUR));

    l.tryAcquire(new String("alice"));
    l.tryAcquire(new String("alice"));

    assertThat(l.tryAcquire("alice")).isFalse();
    assertThat(l.size()).isEqualTo(1);
  }

  @Test
  void sweep_forgetsExpiredKeys() {
    KeyedLimiter<String> l = limiter(LimitKind.FIXED.of("per-second", 2, SECOND));
    for (int k = 0; k < 50; k++) {
      l.tryAcquire("key" + k);
    }
    assertThat(l.size()).isEqualTo(50);

    ticker.advance(Duration.ofSeconds(2));
    l.sweep();

    assertThat(l.size()).isZero();
  }

  @Test
  void sweep_keepsKeysWhoseStateStillMatters() {
    KeyedLimiter<String> l =
        limiter(LimitKind.FIXED.of("per-second", 2, SECOND), LimitKind.FIXED.of("hourly", 3, HOUR));
    l.tryAcquire("k");

    ticker.advance(Duration.ofSeconds(2));
    l.sweep();

    assertThat(l.size()).isEqualTo(1);
    assertThat(acquireUntilDenied(l, "k", 10)).isEqualTo(2);
  }

  @Test
  void full_reject_refusesNewKeys_whileTrackedKeysAreCountedExactly() {
    KeyedLimiter<String> l = limiter(b -> b.maxKeys(2), LimitKind.FIXED.of("hourly", 3, HOUR));
    l.tryAcquire("a");
    l.tryAcquire("b");

    assertThat(l.tryAcquire("c")).isFalse();
    assertThat(l.tryAcquire("c", 0)).as("not even a read").isFalse();
    assertThat(l.size()).isEqualTo(2);
    assertThat(acquireUntilDenied(l, "a", 10)).isEqualTo(2);
    assertThat(acquireUntilDenied(l, "b", 10)).isEqualTo(2);
  }

  @Test
  void full_admitUntracked_admitsNewKeysUncounted() {
    KeyedLimiter<String> l =
        limiter(
            b -> b.maxKeys(1).whenFull(WhenFull.ADMIT_UNTRACKED),
            LimitKind.FIXED.of("hourly", 1, HOUR));
    l.tryAcquire("a");

    for (int i = 0; i < 5; i++) {
      assertThat(l.tryAcquire("b")).isTrue();
    }
    assertThat(l.tryAcquire("b", 2)).isFalse();
    assertThat(l.tryAcquire("a")).isFalse();
    assertThat(l.size()).isEqualTo(1);
  }

  @Test
  void full_expiredKeysMakeRoom() {
    KeyedLimiter<String> l =
        limiter(b -> b.maxKeys(2), LimitKind.FIXED.of("per-second", 3, SECOND));
    l.tryAcquire("a");
    l.tryAcquire("b");

    ticker.advance(Duration.ofSeconds(2));

    assertThat(l.tryAcquire("c")).isTrue();
    assertThat(l.size()).isEqualTo(1);
  }

  @Test
  void flood_tenTimesTheCap_neverHoldsMoreThanTheCap() {
    KeyedLimiter<Integer> l =
        KeyedLimiter.<Integer>builder(LimitKind.FIXED.of("hourly", 3, HOUR))
            .ticker(ticker)
            .executor(Runnable::run)
            .maxKeys(100)
            .build();

    for (int k = 0; k < 1_000; k++) {
      l.tryAcquire(k);
      assertThat(l.size()).isLessThanOrEqualTo(100);
    }
  }

  @Test
  void tryAcquire_unitsBeyondAnyLimit_areDenied_andLeaveTheCountAlone() {
    for (LimitKind kind : LimitKind.values()) {
      KeyedLimiter<String> l = limiter(kind.of("hourly", 5, HOUR));
      assertThat(l.tryAcquire("k", 2)).isTrue();

      for (long units :
          new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, 1L << 32, Limit.MAX_PERMITS + 1}) {
        assertThat(l.tryAcquire("k", units)).as("%s: %d units", kind, units).isFalse();
      }
      assertThat(acquireUntilDenied(l, "k", 100)).as("%s: 3 of 5 left", kind).isEqualTo(3);
    }
  }

  @Test
  void builder_nullLimits_areNamed() {
    assertThatThrownBy(() -> KeyedLimiter.builder((Limit[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("limits");
    assertThatThrownBy(() -> KeyedLimiter.builder(LimitKind.FIXED.of("h", 1, HOUR), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("limits[1]");
  }

  @Test
  void builder_rejectsBadSettings() {
    assertThatThrownBy(() -> KeyedLimiter.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at least one limit is needed");
    assertThatThrownBy(() -> KeyedLimiter.builder(LimitKind.FIXED.of("h", 1, HOUR)).maxKeys(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the bucket cap must be at least 1, got 0");
    assertThatThrownBy(
            () ->
                KeyedLimiter.builder(LimitKind.FIXED.of("h", 1, HOUR)).sweepInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the sweep interval must be positive, got PT0S");
  }
}
