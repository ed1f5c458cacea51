package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class InMemoryStoreConcurrencyTest extends StoreConcurrencyContract {
  private static final Duration SECOND = Duration.ofSeconds(1);

  @Override
  protected Store newStore(ManualTicker ticker) {
    return InMemoryStore.builder().ticker(ticker).executor(Runnable::run).build();
  }

  /**
   * Sweeps racing charges never lose one. The test runs in rounds; within a round the clock stands
   * still, and between rounds it moves on by three windows, so every bucket of the last round has
   * expired when the next begins. Each round, charging threads race a thread that sweeps without
   * pause (and the charges' own sweeps, every millisecond of store time): expired buckets are
   * killed while chargers are looking them up and locking them. The invariant: in every round every
   * key admits exactly its capacity. A charge written into a bucket a sweep had already removed
   * would be lost, and the key would then admit more; a live bucket swept by mistake would restart
   * its count, and admit more too.
   */
  @ParameterizedTest
  @EnumSource(LimitKind.class)
  public void sweepsRacingCharges_neverLoseACharge(LimitKind kind) {
    InMemoryStore s =
        InMemoryStore.builder()
            .ticker(ticker)
            .executor(Runnable::run)
            .sweepInterval(Duration.ofMillis(1))
            .build();
    int keys = 32;
    long capacity = 10;
    int chargers = 3;
    BucketGroup g = s.group("api", List.of(kind.of("quota", capacity, SECOND)));
    BucketGroup other = s.group("other", List.of(LimitKind.FIXED.of("other-quota", 1_000, SECOND)));
    AtomicLong sweeps = new AtomicLong();

    for (int round = 0; round < 60; round++) {
      AtomicLongArray admitted = new AtomicLongArray(keys);
      AtomicInteger finished = new AtomicInteger();
      int r = round;
      Concurrently.run(
          chargers + 1,
          TIMEOUT,
          thread -> {
            if (thread == chargers) {
              while (finished.get() < chargers) {
                s.sweep();
                sweeps.incrementAndGet();
              }
              return;
            }
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
              order.add(k);
            }
            Random random = new Random(r * 31L + thread);
            for (int rep = 0; rep < 8; rep++) {
              Collections.shuffle(order, random);
              for (int k : order) {
                Charge c =
                    rep % 2 == 0
                        ? new Charge(1).add(g, k, 1)
                        : new Charge(2).add(other, k, 1).add(g, k, 1);
                if (s.charge(c).admitted()) {
                  admitted.incrementAndGet(k);
                }
              }
            }
            finished.incrementAndGet();
          });
      for (int k = 0; k < keys; k++) {
        assertThat(admitted.get(k)).as("round %d, key %d", round, k).isEqualTo(capacity);
      }
      ticker.advance(Duration.ofSeconds(3));
    }
    s.sweep();
    assertThat(s.size()).isZero();
    assertThat(sweeps.get()).isPositive();
  }

  /**
   * The lock order, pinned deterministically (a stress test rarely hits a deadlock's window of a
   * few nanoseconds on a busy machine). The test holds the lock of the bucket that comes second in
   * the global order (rule, then key), and a charger names the two buckets the other way round: it
   * must still take the first bucket in the global order first, and then wait. A store that locked
   * in charge order would wait without holding anything, and so could deadlock against a charger
   * naming them in the opposite order.
   */
  @Test
  public void charge_locksItsBucketsInOneGlobalOrder_ruleThenKey_whateverTheChargeOrder()
      throws Exception {
    InMemoryStore s = (InMemoryStore) store;
    BucketGroup first = s.group("first", List.of(LimitKind.FIXED.of("first-daily", 100, DAY)));
    BucketGroup second = s.group("second", List.of(LimitKind.FIXED.of("second-daily", 100, DAY)));
    assertLockedFirstWhileWaiting(
        s, bucket(first, 1), bucket(first, 2), new Charge(2).add(first, 2, 1).add(first, 1, 1));
    assertLockedFirstWhileWaiting(
        s, bucket(first, -5), bucket(first, 3), new Charge(2).add(first, 3, 1).add(first, -5, 1));
    assertLockedFirstWhileWaiting(
        s, bucket(first, 9), bucket(second, 1), new Charge(2).add(second, 1, 1).add(first, 9, 1));
  }

  private void assertLockedFirstWhileWaiting(
      InMemoryStore s, long[] lockedFirst, long[] lockedSecond, Charge c) throws Exception {
    assertThat(Buckets.lock(lockedSecond)).isTrue();
    Thread charger = new Thread(() -> s.charge(c), "charger");
    charger.setDaemon(true);
    charger.start();
    try {
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (((long) Buckets.WORDS.getVolatile(lockedFirst, 0) & 1) == 0) {
        assertThat(System.nanoTime())
            .as("the charger never took the bucket first in the global order")
            .isLessThan(deadline);
        Thread.onSpinWait();
      }
    } finally {
      Buckets.unlock(lockedSecond, Buckets.expiry(lockedSecond));
    }
    charger.join(TIMEOUT.toMillis());
    assertThat(charger.isAlive()).as("the charger finishes once the bucket is released").isFalse();
  }

  /** White box: the bucket array of {@code key} in {@code g}, created by a read if absent. */
  private long[] bucket(BucketGroup g, long key) throws ReflectiveOperationException {
    store.charge(new Charge(1).add(g, key, 0));
    java.lang.reflect.Field buckets = g.getClass().getDeclaredField("buckets");
    buckets.setAccessible(true);
    return ((LongBucketMap) buckets.get(g)).get(key);
  }

  @Test
  public void floodOfNewKeysFromManyThreads_reject_staysWithinTheCap_andCountsTrackedKeysExactly() {
    int cap = 2_000;
    InMemoryStore s =
        InMemoryStore.builder()
            .ticker(ticker)
            .executor(Runnable::run)
            .maxBuckets(cap)
            .whenFull(WhenFull.REJECT)
            .build();
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("daily", 100, DAY)));
    int tracked = 10;
    for (int k = 0; k < tracked; k++) {
      s.charge(new Charge(1).add(g, k, 1));
    }
    AtomicLongArray admitted = new AtomicLongArray(tracked);
    AtomicLong maxSeen = new AtomicLong();
    int newKeysPerThread = 10 * cap / THREADS;

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          for (int i = 0; i < newKeysPerThread; i++) {
            long key = 1_000_000L * (thread + 1) + i;
            s.charge(new Charge(1).add(g, key, 1));
            int k = i % tracked;
            if (s.charge(new Charge(1).add(g, k, 1)).admitted()) {
              admitted.incrementAndGet(k);
            }
            maxSeen.accumulateAndGet(s.size(), Math::max);
          }
        });

    assertThat(maxSeen.get()).isLessThanOrEqualTo(cap + THREADS);
    assertThat(s.size()).isLessThanOrEqualTo(cap + THREADS);
    assertThat(s.refusedForFull()).isPositive();
    for (int k = 0; k < tracked; k++) {
      assertThat(admitted.get(k)).as("tracked key %d: 99 left before the flood", k).isEqualTo(99);
    }
  }

  @Test
  public void floodOfNewKeysFromManyThreads_overflow_staysWithinTheCap_refusesNone_keepsCounts() {
    int cap = 2_000;
    InMemoryStore s =
        InMemoryStore.builder()
            .ticker(ticker)
            .executor(Runnable::run)
            .maxBuckets(cap)
            .maxNewIdentitiesPerOrigin(50)
            .build();
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("daily", 100, DAY)));
    int tracked = 10;
    for (int k = 0; k < tracked; k++) {
      s.charge(new Charge(1).add(g, k, 1));
    }
    AtomicLongArray admitted = new AtomicLongArray(tracked);
    AtomicLong maxSeen = new AtomicLong();
    AtomicLong full = new AtomicLong();
    int newKeysPerThread = 10 * cap / THREADS;

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          for (int i = 0; i < newKeysPerThread; i++) {
            long key = 1_000_000L * (thread + 1) + i;
            long origin = 7 + thread * 1_000L + i % 40; // 40 origins a thread
            Verdict v = s.charge(new Charge(1).origin(() -> origin).add(g, key, 1));
            if (v.kind() == Verdict.Kind.FULL) {
              full.incrementAndGet();
            }
            int k = i % tracked;
            if (s.charge(new Charge(1).add(g, k, 1)).admitted()) {
              admitted.incrementAndGet(k);
            }
            maxSeen.accumulateAndGet(s.size(), Math::max);
          }
        });

    assertThat(full.get()).isZero();
    assertThat(maxSeen.get()).isLessThanOrEqualTo(cap + THREADS);
    assertThat(s.overflows().get("api")).containsKeys(InMemoryStore.Overflow.RESERVE);
    for (int k = 0; k < tracked; k++) {
      assertThat(admitted.get(k)).as("tracked key %d: 99 left before the flood", k).isEqualTo(99);
    }
  }

  @Test
  public void floodOfNewKeysFromManyThreads_admitUntracked_admitsThemAndStaysWithinTheCap() {
    int cap = 1_000;
    InMemoryStore s =
        InMemoryStore.builder()
            .ticker(ticker)
            .executor(Runnable::run)
            .maxBuckets(cap)
            .whenFull(WhenFull.ADMIT_UNTRACKED)
            .build();
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("daily", 1, DAY)));
    AtomicLong admitted = new AtomicLong();
    int newKeysPerThread = 10 * cap / THREADS;

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          for (int i = 0; i < newKeysPerThread; i++) {
            if (s.charge(new Charge(1).add(g, 1_000_000L * (thread + 1) + i, 1)).admitted()) {
              admitted.incrementAndGet();
            }
          }
        });

    assertThat(admitted.get()).as("every new key fits its (fresh) bucket").isEqualTo(10L * cap);
    assertThat(s.size()).isLessThanOrEqualTo(cap + THREADS);
  }

  @Test
  public void concurrentRebinding_whileCharging_keepsCountsOfUnchangedRules() {
    InMemoryStore s = (InMemoryStore) store;
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("daily", 1_000, DAY)));
    AtomicLong admitted = new AtomicLong();

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          for (int i = 0; i < 500; i++) {
            if (thread == 0) {
              s.group("api", List.of(LimitKind.FIXED.of("daily", 1_000, DAY)));
              s.group("churn", List.of(LimitKind.FIXED.of("churn-daily", 1 + i, DAY)));
            } else if (s.charge(new Charge(1).add(g, 1, 1)).admitted()) {
              admitted.incrementAndGet();
            }
          }
        });

    BucketGroup again = s.group("api", List.of(LimitKind.FIXED.of("daily", 1_000, DAY)));
    assertThat(s.charge(new Charge(1).add(again, 1, 0)).statuses().get(0).remaining())
        .isEqualTo(1_000 - admitted.get());
  }
}
