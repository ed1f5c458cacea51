package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LimiterTest {
  private final ManualTicker ticker = new ManualTicker(Instant.parse("2030-06-01T12:00:30Z"));

  @Test
  void tryAcquire_unitsBeyondAnyLimit_areDenied_andLeaveTheCountAlone() {
    for (LimitKind kind : LimitKind.values()) {
      Limiter l = Limiter.of(ticker, kind.of("hourly", 5, Duration.ofHours(1)));
      assertThat(l.tryAcquire(2)).isTrue();

      for (long units :
          new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, 1L << 32, Limit.MAX_PERMITS + 1}) {
        assertThat(l.tryAcquire(units)).as("%s: %d units", kind, units).isFalse();
      }
      assertThat(l.tryAcquire(3)).as("%s: 3 of 5 left", kind).isTrue();
      assertThat(l.tryAcquire(1)).as("%s", kind).isFalse();
    }
  }

  @Test
  void of_nullLimits_areNamed() {
    assertThatThrownBy(() -> Limiter.of((Limit[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("limits");
    assertThatThrownBy(
            () -> Limiter.of(ticker, LimitKind.FIXED.of("h", 1, Duration.ofHours(1)), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("limits[1]");
  }

  @Test
  void tryAcquire_admitsExactlyTheLimit_thenTheNextWindow() {
    Limiter l = Limiter.of(ticker, LimitKind.FIXED.of("per-second", 3, Duration.ofSeconds(1)));

    assertThat(l.tryAcquire()).isTrue();
    assertThat(l.tryAcquire()).isTrue();
    assertThat(l.tryAcquire()).isTrue();
    assertThat(l.tryAcquire()).isFalse();
    ticker.advance(Duration.ofSeconds(1));
    assertThat(l.tryAcquire(3)).isTrue();
  }

  @Test
  void tryAcquire_afterTwoToThe32IdleWindows_doesNotAliasTheOldWindow() {
    Limiter l = Limiter.of(ticker, LimitKind.FIXED.of("per-ms", 1, Duration.ofMillis(1)));
    assertThat(l.tryAcquire()).isTrue();
    assertThat(l.tryAcquire()).isFalse();

    ticker.advance(Duration.ofMillis(1L << 32)); // same low 32 bits of the window index

    assertThat(l.tryAcquire()).as("a new window, although no sweep ever ran").isTrue();
  }

  @Test
  void tryAcquire_deniedByOneLimit_chargesNoOtherLimit() {
    Limiter l =
        Limiter.of(
            ticker,
            LimitKind.SLIDING.of("minutely", 30, Duration.ofMinutes(1)),
            LimitKind.FIXED.of("per-second", 2, Duration.ofSeconds(1)));
    int[] admittedPerSecond = new int[16];

    for (int second = 0; second < 16; second++) { // 12:00:30 to 12:00:45: one minute window
      for (int i = 0; i < 10; i++) {
        admittedPerSecond[second] += l.tryAcquire() ? 1 : 0;
      }
      ticker.advance(Duration.ofSeconds(1));
    }

    assertThat(admittedPerSecond)
        .as("8 denials a second charge the minute nothing")
        .containsExactly(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0);
  }

  @Test
  void tryAcquire_tokenBucket_pacesAtTheRate() {
    Limiter l =
        Limiter.of(ticker, Limit.tokenBucket("rate", 10, Window.of(Duration.ofSeconds(1)), 2));

    assertThat(l.tryAcquire(2)).isTrue();
    assertThat(l.tryAcquire()).isFalse();
    ticker.advance(Duration.ofMillis(99));
    assertThat(l.tryAcquire()).isFalse();
    ticker.advance(Duration.ofMillis(1));
    assertThat(l.tryAcquire()).isTrue();
  }

  @Test
  void tryAcquire_negativeUnits_areRejected() {
    Limiter l = Limiter.of(ticker, LimitKind.FIXED.of("per-second", 3, Duration.ofSeconds(1)));

    assertThatThrownBy(() -> l.tryAcquire(-2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("units must not be negative, got -2");
  }

  @Test
  void of_withoutLimits_isRejected() {
    assertThatThrownBy(() -> Limiter.of(ticker))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at least one limit is needed");
  }

  @Test
  void of_systemTicker_works() {
    Limiter l = Limiter.of(LimitKind.LIFETIME.of("budget", 1, Duration.ofDays(1)));

    assertThat(l.tryAcquire()).isTrue();
    assertThat(l.tryAcquire()).isFalse();
  }
}
