package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.ManualTicker;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LimiterConcurrencyTest {
  private final ManualTicker ticker = new ManualTicker(Instant.parse("2030-06-01T12:00:30Z"));

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  void concurrentAcquires_admitExactlyTheCapacity_andChargeOtherLimitsOnlyForThose(LimitKind kind) {
    Limiter l =
        Limiter.of(
            ticker,
            LimitKind.FIXED.of("big", 1_000_000, Duration.ofDays(1)),
            kind.of("quota", 3_000, Duration.ofDays(1)));
    AtomicLong admitted = new AtomicLong();

    Concurrently.run(
        8,
        Duration.ofSeconds(30),
        thread -> {
          for (int i = 0; i < 1_000; i++) {
            if (l.tryAcquire(1 + (thread + i) % 3)) {
              admitted.addAndGet(1 + (thread + i) % 3);
            }
          }
        });

    assertThat(admitted.get()).isBetween(2_998L, 3_000L);
    assertThat(l.tryAcquire(3_000 - admitted.get())).isTrue();
    assertThat(l.tryAcquire()).isFalse();
  }

  @Test
  void aLoneTokenBucket_chargedByCompareAndSet_admitsExactlyItsBurst() {
    Limiter l = Limiter.of(ticker, LimitKind.TOKEN_BUCKET.of("bucket", 5_000, Duration.ofDays(1)));
    AtomicLong admitted = new AtomicLong();

    Concurrently.run(
        8,
        Duration.ofSeconds(30),
        thread -> {
          for (int i = 0; i < 2_000; i++) {
            long units = 1 + (thread + i) % 3;
            if (l.tryAcquire(units)) {
              admitted.addAndGet(units);
            }
          }
        });

    assertThat(admitted.get()).as("the clock is frozen: nothing refills").isBetween(4_998L, 5_000L);
    assertThat(l.tryAcquire(5_000 - admitted.get())).isTrue();
    assertThat(l.tryAcquire()).isFalse();
  }
}
