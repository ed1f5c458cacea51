package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.LimitKind;
import dev.sluice.core.store.SharedMap;
import dev.sluice.core.store.StoreUnavailableException;
import dev.sluice.core.store.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis failing under the store, for real: killed and restarted, frozen with SIGSTOP, its script
 * cache flushed. The store must answer every call within its timeout (asserted with a generous 5x
 * bound, never by sleeping), throw nothing but {@link StoreUnavailableException}, and recover by
 * itself.
 */
class RedisStoreFaultTest {
  private static final Duration TIMEOUT = Duration.ofMillis(200);
  private static final long BOUND_NANOS = 5 * TIMEOUT.toNanos();
  private static final Duration DAY = Duration.ofDays(1);

  private RedisServer server;
  private RedisStore store;
  private BucketGroup group;

  @BeforeEach
  void start() {
    server = RedisServer.start();
    store =
        RedisStore.builder(server.uri())
            .timeout(TIMEOUT)
            .keyPrefix(RedisStoreTest.freshPrefix())
            .build();
    group = store.group("api", List.of(LimitKind.FIXED.of("daily", 1_000_000, DAY)));
  }

  @AfterEach
  void stop() {
    store.close();
    server.close();
  }

  private Charge one(long key) {
    return new Charge(1).add(group, key, 1);
  }

  /** Charges once; returns the verdict, or null if the store was unavailable; asserts the bound. */
  private Verdict timedCharge(long key) {
    long t0 = System.nanoTime();
    try {
      return store.charge(one(key));
    } catch (StoreUnavailableException e) {
      return null;
    } finally {
      assertThat(System.nanoTime() - t0)
          .as("a charge took longer than 5x the timeout")
          .isLessThan(BOUND_NANOS);
    }
  }

  private static void await(String what, Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("not within " + within + ": " + what);
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void down_atStartUp_failsToBuild_unlessConnectingInBackground() {
    server.kill();

    assertThatThrownBy(() -> RedisStore.builder(server.uri()).timeout(TIMEOUT).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot connect to Redis at redis://127.0.0.1:" + server.port());
  }

  @Test
  void down_atStartUp_connectingInBackground_failsFast_thenCountsOnceRedisIsUp() throws Exception {
    server.kill();
    String prefix = RedisStoreTest.freshPrefix();
    try (RedisStore late =
            RedisStore.builder(server.uri())
                .timeout(TIMEOUT)
                .keyPrefix(prefix)
                .connectInBackground(true)
                .build();
        SharedMap overrides = late.shared().orElseThrow().map("overrides")) {
      BucketGroup g = late.group("api", List.of(LimitKind.FIXED.of("daily", 2, DAY)));
      LinkedBlockingQueue<String> heard = new LinkedBlockingQueue<>();
      overrides.subscribe(heard::add); // made once Redis is up
      CountDownLatch connected = new CountDownLatch(1);
      overrides.whenConnected(connected::countDown); // callbacks run in order: after subscribing

      long t0 = System.nanoTime();
      assertThatThrownBy(() -> late.charge(new Charge(1).add(g, 7, 1)))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("not connected to Redis");
      assertThatThrownBy(() -> overrides.getAll()).isInstanceOf(StoreUnavailableException.class);
      assertThat(System.nanoTime() - t0)
          .as("failing while not connected takes no time")
          .isLessThan(BOUND_NANOS);
      assertThat(connected.getCount()).isEqualTo(1);

      server.restart(); // same port
      assertThat(connected.await(15, TimeUnit.SECONDS)).as("connected in the background").isTrue();

      assertThat(late.charge(new Charge(1).add(g, 7, 1)).admitted()).isTrue();
      assertThat(late.charge(new Charge(1).add(g, 7, 1)).admitted()).isTrue();
      assertThat(late.charge(new Charge(1).add(g, 7, 1)).admitted())
          .as("counted in Redis, exactly")
          .isFalse();
      try (RedisStore other = RedisStore.builder(server.uri()).keyPrefix(prefix).build();
          SharedMap onOther = other.shared().orElseThrow().map("overrides")) {
        onOther.put("f1", "{}");
        assertThat(heard.poll(10, TimeUnit.SECONDS))
            .as("subscribed once connected")
            .isEqualTo("f1");
      }
    }
  }

  @Test
  void paused_pastTheTimeout_failsFast_thenRecovers() throws Exception {
    assertThat(timedCharge(1)).isNotNull();

    server.pause();
    try {
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> store.charge(one(1)))
            .isInstanceOf(StoreUnavailableException.class)
            .hasMessageContaining("did not answer within 200 ms");
        assertThat(System.nanoTime() - t0).isLessThan(BOUND_NANOS);
      }
      long t0 = System.nanoTime();
      var pending = store.chargeAsync(one(2)).toCompletableFuture();
      assertThat(System.nanoTime() - t0)
          .as("chargeAsync never blocks")
          .isLessThan(TIMEOUT.toNanos());
      assertThatThrownBy(() -> pending.get(BOUND_NANOS, TimeUnit.NANOSECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(StoreUnavailableException.class);
    } finally {
      server.resume();
    }

    await(
        "the store answers again after SIGCONT",
        Duration.ofSeconds(10),
        () -> timedCharge(3) != null);
  }

  /**
   * With Redis frozen, charges beyond the calls in flight queue in the batcher: each still fails
   * within the bound of its own submission (the calls' deadlines free their slots), none is left
   * hanging, and the store recovers.
   */
  @Test
  void paused_queuedChargesBeyondTheCallsInFlight_eachFailWithinTheBound() throws Exception {
    assertThat(timedCharge(1)).isNotNull();

    server.pause();
    try {
      List<java.util.concurrent.CompletableFuture<Verdict>> pending = new java.util.ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < 300; i++) { // 2 calls in flight, 64 charges a call: most of these queue
        pending.add(store.chargeAsync(one(100 + i)).toCompletableFuture());
      }
      for (var p : pending) {
        assertThatThrownBy(() -> p.get(BOUND_NANOS, TimeUnit.NANOSECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(StoreUnavailableException.class);
      }
      assertThat(System.nanoTime() - t0).as("all 300 answered").isLessThan(BOUND_NANOS);
    } finally {
      server.resume();
    }

    await(
        "the store answers again after SIGCONT",
        Duration.ofSeconds(10),
        () -> timedCharge(3) != null);
  }

  @Test
  void killedAndRestarted_midLoad_onlyUnavailableWhileDown_andRecovers() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong answered = new AtomicLong();
    AtomicLong unavailable = new AtomicLong();
    AtomicReference<Throwable> wrong = new AtomicReference<>();
    Thread[] load = new Thread[4];
    for (int t = 0; t < load.length; t++) {
      int id = t;
      load[t] =
          new Thread(
              () -> {
                for (long i = 0; running.get(); i++) {
                  try {
                    if (timedCharge(id * 1_000_000L + i % 100) != null) {
                      answered.incrementAndGet();
                    } else {
                      unavailable.incrementAndGet();
                    }
                  } catch (Throwable e) {
                    wrong.compareAndSet(null, e);
                    return;
                  }
                }
              },
              "load-" + t);
      load[t].setDaemon(true);
      load[t].start();
    }
    try {
      await("load is running", Duration.ofSeconds(10), () -> answered.get() >= 200);
      server.kill();
      long failedBefore = unavailable.get();
      await(
          "charges fail while Redis is down",
          Duration.ofSeconds(10),
          () -> unavailable.get() >= failedBefore + 20);
      server.restart();
      long answeredAfterRestart = answered.get();
      await(
          "charges succeed again after the restart",
          Duration.ofSeconds(15),
          () -> answered.get() >= answeredAfterRestart + 200);
    } finally {
      running.set(false);
      for (Thread t : load) {
        t.join(10_000);
      }
    }
    assertThat(wrong.get()).as("only StoreUnavailableException, within the bound").isNull();
  }

  @Test
  void down_chargeAsync_completesExceptionallyAtOnce() {
    server.kill();

    await(
        "the store sees the connection drop", Duration.ofSeconds(10), () -> timedCharge(1) == null);
    var pending = store.chargeAsync(one(1)).toCompletableFuture();

    assertThatThrownBy(() -> pending.get(BOUND_NANOS, TimeUnit.NANOSECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void scriptFlush_scriptIsLoadedAgain_transparently_countsKept() {
    store.charge(new Charge(1).add(group, 5, 2));

    RedisStoreTest.withRedis(server.uri(), r -> r.scriptFlush());
    Verdict v = store.charge(new Charge(1).add(group, 5, 1));

    assertThat(v.kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(v.statuses().get(0).remaining()).isEqualTo(1_000_000 - 3);
    List<Boolean> loaded =
        RedisStoreTest.withRedis(server.uri(), r -> r.scriptExists(Script.CHARGE.sha));
    assertThat(loaded).containsExactly(true);
  }

  @Test
  void aKeyOverwrittenWithAnotherType_failsItsOwnCharge_notTheOthersOfItsBatch() throws Exception {
    store.charge(new Charge(1).add(group, 2, 1)); // makes the bucket of identity 2
    String poisoned =
        RedisStoreTest.withRedis(server.uri(), r -> r.keys("*:{0000000000000002}*")).get(0);
    RedisStoreTest.withRedis(
        server.uri(), r -> r.del(poisoned) + (r.hset(poisoned, "not", "a string") ? 1 : 0));
    Charge before = one(1);
    Charge bad = one(2);
    Charge after = one(3);

    List<RedisStore.SlotResult> batch =
        store
            .runAll(
                List.of(
                    new Batcher.Call(new RedisStore.Plan(store, before), new int[] {0}),
                    new Batcher.Call(new RedisStore.Plan(store, bad), new int[] {0}),
                    new Batcher.Call(new RedisStore.Plan(store, after), new int[] {0})))
            .get(5, TimeUnit.SECONDS);

    assertThat(batch.get(0).admitted).isTrue();
    assertThat(batch.get(1).failed).isTrue();
    assertThat(batch.get(1).failure).contains("WRONGTYPE");
    assertThat(batch.get(2).admitted).isTrue();
    assertThatThrownBy(() -> store.charge(one(2)))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("WRONGTYPE");
    String stillThere = RedisStoreTest.withRedis(server.uri(), r -> r.hget(poisoned, "not"));
    assertThat(stillThere).as("nothing of the failed charge was written").isEqualTo("a string");
    assertThat(store.charge(one(1)).statuses().get(0).remaining()).isEqualTo(1_000_000 - 2);
  }

  @Test
  void aValueThatIsNotABucket_failsItsOwnCharge_notTheOthersOfItsBatch() throws Exception {
    BucketGroup sliding =
        store.group("sliding", List.of(LimitKind.SLIDING.of("daily", 1_000, DAY)));
    store.charge(new Charge(1).add(group, 2, 1));
    store.charge(new Charge(1).add(sliding, 2, 1));
    for (String key :
        RedisStoreTest.withRedis(server.uri(), r -> r.keys("*:{0000000000000002}*"))) {
      RedisStoreTest.withRedis(server.uri(), r -> r.set(key, "garbage"));
    }

    for (BucketGroup g : List.of(group, sliding)) {
      List<RedisStore.SlotResult> batch =
          store
              .runAll(
                  List.of(
                      new Batcher.Call(
                          new RedisStore.Plan(store, new Charge(1).add(g, 1, 1)), new int[] {0}),
                      new Batcher.Call(
                          new RedisStore.Plan(store, new Charge(1).add(g, 2, 1)), new int[] {0}),
                      new Batcher.Call(
                          new RedisStore.Plan(store, new Charge(1).add(g, 3, 1)), new int[] {0})))
              .get(5, TimeUnit.SECONDS);

      assertThat(batch.get(0).admitted).as(g.name().key()).isTrue();
      assertThat(batch.get(1).failed).as(g.name().key()).isTrue();
      assertThat(batch.get(1).failure)
          .contains("{0000000000000002}")
          .contains("not a Sluice bucket");
      assertThat(batch.get(2).admitted).as(g.name().key()).isTrue();
    }
    assertThatThrownBy(() -> store.charge(one(2)))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("not a Sluice bucket");
  }

  @Test
  void aSharedSecretOverwrittenWithSomethingElse_isUnavailable_namingTheKey() {
    try (RedisStore other = RedisStore.builder(server.uri()).keyPrefix("odd").build()) {
      RedisStoreTest.withRedis(server.uri(), r -> r.set("odd:identity-secret", "abcd"));
      assertThatThrownBy(() -> other.sharedSecret("identity-secret"))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("odd:identity-secret")
          .hasMessageContaining("not 32 hex digits");
      RedisStoreTest.withRedis(server.uri(), r -> r.del("odd:identity-secret"));
      assertThat(other.sharedSecret("identity-secret")).hasSize(16);
    }
  }
}
