package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.ManualTicker;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KeyedLimiterConcurrencyTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int THREADS = 8;
  private final ManualTicker ticker = new ManualTicker(Instant.parse("2030-06-01T12:00:30Z"));

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  void concurrentAcquires_oneKey_admitExactlyTheCapacity(LimitKind kind) {
    KeyedLimiter<String> l =
        KeyedLimiter.<String>builder(kind.of("quota", 5_000, Duration.ofDays(1)))
            .ticker(ticker)
            .executor(Runnable::run)
            .build();
    AtomicLong admitted = new AtomicLong();

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          for (int i = 0; i < 2_000; i++) {
            if (l.tryAcquire("shared")) {
              admitted.incrementAndGet();
            }
          }
        });

    assertThat(admitted.get()).isEqualTo(5_000);
  }

  @Test
  void concurrentAcquires_severalLimits_neverChargeOnDenial() {
    KeyedLimiter<Integer> l =
        KeyedLimiter.<Integer>builder(
                LimitKind.FIXED.of("big", 1_000_000, Duration.ofDays(1)),
                LimitKind.SLIDING.of("small", 300, Duration.ofDays(1)))
            .ticker(ticker)
            .executor(Runnable::run)
            .build();
    AtomicLongArray admitted = new AtomicLongArray(4);

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          for (int i = 0; i < 1_000; i++) {
            int key = (thread + i) % 4;
            if (l.tryAcquire(key, 1 + i % 2)) {
              admitted.addAndGet(key, 1 + i % 2);
            }
          }
        });

    for (int k = 0; k < 4; k++) {
      long a = admitted.get(k);
      assertThat(a).isBetween(299L, 300L);
      assertThat(l.tryAcquire(k, 300 - a))
          .as("key %d: exactly what was admitted was charged", k)
          .isTrue();
      assertThat(l.tryAcquire(k, 1)).isFalse();
    }
  }

  /** As {@code InMemoryStoreConcurrencyTest.sweepsRacingCharges_neverLoseACharge}, for keys. */
  @Test
  void sweepsRacingAcquires_neverLoseAnAcquire() {
    KeyedLimiter<Integer> l =
        KeyedLimiter.<Integer>builder(LimitKind.FIXED.of("quota", 10, Duration.ofSeconds(1)))
            .ticker(ticker)
            .executor(Runnable::run)
            .sweepInterval(Duration.ofMillis(1))
            .build();
    int keys = 32;
    int chargers = 3;

    for (int round = 0; round < 100; round++) {
      AtomicLongArray admitted = new AtomicLongArray(keys);
      AtomicInteger finished = new AtomicInteger();
      Concurrently.run(
          chargers + 1,
          TIMEOUT,
          thread -> {
            if (thread == chargers) {
              while (finished.get() < chargers) {
                l.sweep();
              }
              return;
            }
            for (int rep = 0; rep < 8; rep++) {
              for (int i = 0; i < keys; i++) {
                int k = (i * (thread + 1) * 7 + rep) % keys;
                if (l.tryAcquire(k)) {
                  admitted.incrementAndGet(k);
                }
              }
            }
            finished.incrementAndGet();
          });
      for (int k = 0; k < keys; k++) {
        assertThat(admitted.get(k)).as("round %d, key %d", round, k).isEqualTo(10);
      }
      ticker.advance(Duration.ofSeconds(2));
    }
  }

  @Test
  void floodOfNewKeys_staysWithinTheCapPlusTheThreads() {
    int cap = 1_000;
    KeyedLimiter<Long> l =
        KeyedLimiter.<Long>builder(LimitKind.FIXED.of("daily", 5, Duration.ofDays(1)))
            .ticker(ticker)
            .executor(Runnable::run)
            .maxKeys(cap)
            .build();
    AtomicLong maxSeen = new AtomicLong();

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          for (int i = 0; i < 10 * cap / THREADS; i++) {
            l.tryAcquire(1_000_000L * (thread + 1) + i);
            maxSeen.accumulateAndGet(l.size(), Math::max);
          }
        });

    assertThat(maxSeen.get()).isLessThanOrEqualTo(cap + THREADS);
  }
}
