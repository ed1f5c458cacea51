package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.LimitStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The concurrency half of the {@link Store} contract (the rest is {@link StoreContract}): however
 * many threads charge, no limit admits more than it allows, and every admitted unit is counted. The
 * clock stands still throughout, so "exact" means exactly the capacity.
 *
 * <p>Every test is bounded: a fixed number of requests per thread, and a timeout that fails the
 * test (deadlock, livelock) rather than hanging the build. A store that is slow per request (a
 * remote one) may lower {@link #requestsPerThread()}.
 */
@SuppressWarnings("exports") // JUnit annotations on a test API: not the module's API
public abstract class StoreConcurrencyContract extends StoreFixture {
  protected static final Duration TIMEOUT = Duration.ofSeconds(30);
  protected static final int THREADS = 8;

  /** For store suites to extend. */
  protected StoreConcurrencyContract() {}

  /** How many requests each of the {@link #THREADS} threads makes in the larger tests. */
  protected int requestsPerThread() {
    return 2_000;
  }

  private long remaining(BucketGroup g, long key, int limit) {
    Verdict v = store.charge(new Charge(1).add(g, key, 0));
    return v.statuses().get(limit).remaining();
  }

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  public void concurrentCharges_oneKey_admitExactlyTheCapacity(LimitKind kind) {
    int perThread = requestsPerThread();
    long capacity = THREADS * perThread * 3L / 8; // well below the demand
    BucketGroup g = store.group("api", List.of(kind.of("quota", capacity, DAY)));
    AtomicLong admitted = new AtomicLong();

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          Charge c = new Charge(1).add(g, 7, 1);
          for (int i = 0; i < perThread; i++) {
            if (store.charge(c).admitted()) {
              admitted.incrementAndGet();
            }
          }
        });

    assertThat(admitted.get()).isEqualTo(capacity);
    assertThat(remaining(g, 7, 0)).isZero();
  }

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  public void concurrentCharges_manyKeys_admitExactlyTheCapacityOfEachKey(LimitKind kind) {
    int keys = 50;
    long capacity = 40;
    int rounds = Math.max(1, requestsPerThread() / keys); // per key per thread: demand >> capacity
    BucketGroup g = store.group("api", List.of(kind.of("quota", capacity, DAY)));
    AtomicLongArray admitted = new AtomicLongArray(keys);

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          List<Integer> order = new ArrayList<>();
          for (int k = 0; k < keys; k++) {
            order.add(k);
          }
          Random random = new Random(thread);
          for (int r = 0; r < rounds; r++) {
            Collections.shuffle(order, random);
            for (int k : order) {
              if (store.charge(new Charge(1).add(g, k, 1)).admitted()) {
                admitted.incrementAndGet(k);
              }
            }
          }
        });

    assumeDemandExceeded(THREADS * (long) rounds, capacity);
    for (int k = 0; k < keys; k++) {
      assertThat(admitted.get(k)).as("key %d", k).isEqualTo(capacity);
    }
  }

  @Test
  public void concurrentMultiBucketCharges_neverOverAdmitAnyLimit_andCountEveryAdmittedUnit() {
    int users = 10;
    BucketGroup perUser =
        store.group(
            "per-user",
            List.of(
                LimitKind.FIXED.of("user-fixed", 120, DAY),
                LimitKind.SLIDING.of("user-sliding", 90, DAY),
                LimitKind.TOKEN_BUCKET.of("user-bucket", 100, DAY)));
    BucketGroup global =
        store.group("global", List.of(LimitKind.LIFETIME.of("global-budget", 700, DAY)));
    AtomicLongArray admittedPerUser = new AtomicLongArray(users);
    AtomicLong admittedTotal = new AtomicLong();
    int perThread = requestsPerThread() / 4;

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          Random random = new Random(1_000 + thread);
          for (int i = 0; i < perThread; i++) {
            int user = random.nextInt(users);
            long cost = 1 + random.nextInt(3);
            Charge c =
                random.nextBoolean()
                    ? new Charge(2).add(perUser, user, cost).add(global, 0, cost)
                    : new Charge(2).add(global, 0, cost).add(perUser, user, cost);
            if (store.charge(c).admitted()) {
              admittedPerUser.addAndGet(user, cost);
              admittedTotal.addAndGet(cost);
            }
          }
        });

    long total = 0;
    for (int u = 0; u < users; u++) {
      long a = admittedPerUser.get(u);
      total += a;
      assertThat(a).as("user %d admitted", u).isLessThanOrEqualTo(90);
      assertThat(remaining(perUser, u, 0)).as("user %d fixed", u).isEqualTo(120 - a);
      assertThat(remaining(perUser, u, 1)).as("user %d sliding", u).isEqualTo(90 - a);
      assertThat(remaining(perUser, u, 2)).as("user %d bucket", u).isEqualTo(100 - a);
    }
    assertThat(total).isEqualTo(admittedTotal.get()).isLessThanOrEqualTo(700);
    assertThat(remaining(global, 0, 0)).isEqualTo(700 - total);
  }

  @Test
  public void concurrentCharges_overlappingBucketsInOpposingOrders_neitherDeadlockNorMiscount() {
    BucketGroup a = store.group("a", List.of(LimitKind.FIXED.of("a-daily", 1_000_000, DAY)));
    BucketGroup b = store.group("b", List.of(LimitKind.SLIDING.of("b-daily", 1_000_000, DAY)));
    int perThread = requestsPerThread();

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          for (int i = 0; i < perThread; i++) {
            Charge c;
            switch ((thread + i) % 4) {
              case 0:
                c = new Charge(3).add(a, 1, 1).add(a, 2, 1).add(b, 1, 1);
                break;
              case 1:
                c = new Charge(3).add(b, 1, 1).add(a, 2, 1).add(a, 1, 1);
                break;
              case 2:
                c = new Charge(3).add(a, 2, 1).add(b, 1, 1).add(a, 1, 1);
                break;
              default:
                c = new Charge(3).add(b, 1, 1).add(a, 1, 1).add(a, 2, 1);
                break;
            }
            assertThat(store.charge(c).admitted()).isTrue();
          }
        });

    long expected = 1_000_000 - (long) THREADS * perThread;
    assertThat(remaining(a, 1, 0)).isEqualTo(expected);
    assertThat(remaining(a, 2, 0)).isEqualTo(expected);
    assertThat(remaining(b, 1, 0)).isEqualTo(expected);
  }

  /**
   * Two threads, two buckets of one group, always charged together, each thread naming them in the
   * opposite order: any store that takes the buckets in the order given can deadlock here.
   */
  @Test
  public void concurrentCharges_sameTwoBucketsInOppositeOrders_doNotDeadlock() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("daily", 1_000_000, DAY)));
    int perThread = requestsPerThread() * 25;

    Concurrently.run(
        2,
        TIMEOUT,
        thread -> {
          Charge forward = new Charge(2).add(g, 1, 1).add(g, 2, 1);
          Charge backward = new Charge(2).add(g, 2, 1).add(g, 1, 1);
          Charge c = thread == 0 ? forward : backward;
          for (int i = 0; i < perThread; i++) {
            store.charge(c);
          }
        });

    assertThat(remaining(g, 1, 0)).isEqualTo(1_000_000 - 2L * perThread);
    assertThat(remaining(g, 2, 0)).isEqualTo(1_000_000 - 2L * perThread);
  }

  @Test
  public void concurrentCharges_deniedByASharedLimit_chargeNoPrivateLimit() {
    BucketGroup perUser =
        store.group("per-user", List.of(LimitKind.FIXED.of("user-daily", 1_000_000, DAY)));
    BucketGroup shared =
        store.group("shared", List.of(LimitKind.FIXED.of("shared-daily", 100, DAY)));
    AtomicLongArray admitted = new AtomicLongArray(THREADS);
    int perThread = requestsPerThread() / 4;

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          for (int i = 0; i < perThread; i++) {
            if (store.charge(new Charge(2).add(perUser, thread, 1).add(shared, 0, 1)).admitted()) {
              admitted.incrementAndGet(thread);
            }
          }
        });

    long total = 0;
    for (int t = 0; t < THREADS; t++) {
      total += admitted.get(t);
      assertThat(remaining(perUser, t, 0))
          .as("user %d is charged only for admitted requests", t)
          .isEqualTo(1_000_000 - admitted.get(t));
    }
    assertThat(total).isEqualTo(100);
  }

  @Test
  public void concurrentReads_neverCharge() {
    BucketGroup g =
        store.group(
            "api",
            List.of(
                LimitKind.SLIDING.of("sliding", 10, DAY),
                LimitKind.TOKEN_BUCKET.of("bucket", 10, DAY)));
    store.charge(new Charge(1).add(g, 1, 4));

    Concurrently.run(
        THREADS,
        TIMEOUT,
        thread -> {
          for (int i = 0; i < requestsPerThread(); i++) {
            List<LimitStatus> s = store.charge(new Charge(1).add(g, 1, 0)).statuses();
            assertThat(s).extracting(LimitStatus::remaining).containsExactly(6L, 6L);
          }
        });
  }

  private static void assumeDemandExceeded(long demand, long capacity) {
    assertThat(demand)
        .as("test set-up: demand per key must exceed capacity")
        .isGreaterThan(capacity);
  }
}
