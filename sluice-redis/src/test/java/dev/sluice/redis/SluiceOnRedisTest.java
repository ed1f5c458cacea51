package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Decision;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.Request;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.Concurrently;
import dev.sluice.core.store.LimitKind;
import dev.sluice.core.store.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Several engines on one Redis, as several instances of an API would run. */
class SluiceOnRedisTest {
  private static final byte[] SECRET =
      "sixteen byte key".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final Duration DAY = Duration.ofDays(1);

  private static Policy policy(StoreFailure onFailure, dev.sluice.core.policy.Limit limit) {
    return new Policy(
        HeaderDialect.X_RATELIMIT,
        true,
        DenialFormat.DETAIL,
        List.of(Rule.global("per-token", new KeySource.Bearer(), List.of(limit))),
        onFailure,
        List.of());
  }

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  void fourEngines_eachWithItsOwnConnection_manyThreads_admitExactlyTheLimit(LimitKind kind) {
    String prefix = RedisStoreTest.freshPrefix();
    Policy policy = policy(StoreFailure.CLOSED, kind.of("daily", 300, DAY));
    List<RedisStore> stores = new ArrayList<>();
    List<Sluice> engines = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RedisStore s =
          RedisStore.builder(RedisServer.shared().uri())
              .timeout(RedisServer.CONTRACT_TIMEOUT)
              .keyPrefix(prefix)
              .build(); // Redis time
      stores.add(s);
      engines.add(Sluice.builder(policy).store(s).identitySecret(SECRET).build());
    }
    AtomicLong admitted = new AtomicLong();
    AtomicLong other = new AtomicLong();
    try {
      Concurrently.run(
          16,
          Duration.ofSeconds(60),
          thread -> {
            Sluice engine = engines.get(thread % 4);
            for (int i = 0; i < 100; i++) {
              Request r = Request.builder("GET", "/items").bearer("the-one-client").build();
              Decision d =
                  thread % 2 == 0
                      ? engine.decide(r)
                      : engine.decideAsync(r).toCompletableFuture().join();
              if (d.outcome() == Decision.Outcome.ALLOWED) {
                admitted.incrementAndGet();
              } else if (d.outcome() != Decision.Outcome.DENIED) {
                other.incrementAndGet();
              }
            }
          });
    } finally {
      stores.forEach(RedisStore::close);
    }

    assertThat(other.get()).as("decisions neither allowed nor denied").isZero();
    assertThat(admitted.get()).isEqualTo(300);
  }

  @Test
  void instancesOnRedisTime_agreeOnWindows_whateverTheirOwnClocks() {
    String prefix = RedisStoreTest.freshPrefix();
    try (RedisStore a =
            RedisStore.builder(RedisServer.shared().uri())
                .timeout(RedisServer.CONTRACT_TIMEOUT)
                .keyPrefix(prefix)
                .build();
        RedisStore b =
            RedisStore.builder(RedisServer.shared().uri())
                .timeout(RedisServer.CONTRACT_TIMEOUT)
                .keyPrefix(prefix)
                .build()) {
      BucketGroup ga =
          a.group("api", List.of(LimitKind.FIXED.of("minutely", 10, Duration.ofMinutes(1))));
      BucketGroup gb =
          b.group("api", List.of(LimitKind.FIXED.of("minutely", 10, Duration.ofMinutes(1))));
      long before = redisMicros();
      Verdict va = a.charge(new Charge(1).add(ga, 1, 4));
      Verdict vb = b.charge(new Charge(1).add(gb, 1, 4));
      long after = redisMicros();

      assertThat(va.nowMicros())
          .as("the store's time is Redis's, not this JVM's")
          .isBetween(before, after);
      assertThat(vb.nowMicros()).isBetween(before, after);
      if (va.statuses().get(0).resetAtMicros()
          == vb.statuses().get(0).resetAtMicros()) { // same minute
        assertThat(vb.statuses().get(0).remaining()).isEqualTo(2);
      }
    }
    // What the stores avoid: two instances counting on their own clocks, five minutes apart,
    // each see a window of their own, and together admit twice the limit.
    ManualTicker here = new ManualTicker(Instant.parse("2030-06-01T12:00:30Z"));
    ManualTicker skewed = new ManualTicker(Instant.parse("2030-06-01T12:05:30Z"));
    String localPrefix = RedisStoreTest.freshPrefix();
    try (RedisStore a =
            RedisStore.builder(RedisServer.shared().uri())
                .timeout(RedisServer.CONTRACT_TIMEOUT)
                .keyPrefix(localPrefix)
                .clock(here)
                .build();
        RedisStore b =
            RedisStore.builder(RedisServer.shared().uri())
                .timeout(RedisServer.CONTRACT_TIMEOUT)
                .keyPrefix(localPrefix)
                .clock(skewed)
                .build()) {
      BucketGroup ga =
          a.group("api", List.of(LimitKind.FIXED.of("minutely", 10, Duration.ofMinutes(1))));
      BucketGroup gb =
          b.group("api", List.of(LimitKind.FIXED.of("minutely", 10, Duration.ofMinutes(1))));
      assertThat(a.charge(new Charge(1).add(ga, 1, 10)).admitted()).isTrue();
      assertThat(b.charge(new Charge(1).add(gb, 1, 10)).admitted())
          .as("local clocks disagree")
          .isTrue();
    }
  }

  private static long redisMicros() {
    List<String> t = RedisStoreTest.withRedis(RedisServer.shared().uri(), r -> r.time());
    return Long.parseLong(t.get(0)) * 1_000_000 + Long.parseLong(t.get(1));
  }

  @Test
  void redisDown_eachFailureModeDoesWhatItSays_andRedisCountsAgainOnceBack() {
    try (RedisServer server = RedisServer.start()) {
      Duration timeout = Duration.ofMillis(200);
      List<RedisStore> stores = new ArrayList<>();
      try {
        Sluice[] engines = new Sluice[3];
        StoreFailure[] modes = {StoreFailure.OPEN, StoreFailure.CLOSED, StoreFailure.LOCAL};
        for (int i = 0; i < 3; i++) {
          RedisStore s =
              RedisStore.builder(server.uri())
                  .timeout(timeout)
                  .keyPrefix(RedisStoreTest.freshPrefix())
                  .build();
          stores.add(s);
          engines[i] =
              Sluice.builder(policy(modes[i], LimitKind.FIXED.of("daily", 5, DAY)))
                  .store(s)
                  .identitySecret(SECRET)
                  .build();
        }
        Request r = Request.builder("GET", "/items").bearer("client").build();
        for (Sluice e : engines) {
          assertThat(e.decide(r).outcome()).isEqualTo(Decision.Outcome.ALLOWED);
        }

        server.kill();
        long t0 = System.nanoTime();
        assertThat(engines[0].decide(r).outcome()).isEqualTo(Decision.Outcome.ALLOWED_UNCOUNTED);
        assertThat(engines[1].decide(r).outcome()).isEqualTo(Decision.Outcome.UNAVAILABLE);
        assertThat(engines[2].decide(r).outcome())
            .as("counted in memory")
            .isEqualTo(Decision.Outcome.ALLOWED);
        assertThat(engines[1].decideAsync(r).toCompletableFuture().join().outcome())
            .isEqualTo(Decision.Outcome.UNAVAILABLE);
        assertThat(System.nanoTime() - t0)
            .as("four decisions, none waiting past the timeout")
            .isLessThan(4 * 5 * timeout.toNanos());

        server.restart();
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (engines[1].decide(r).outcome() != Decision.Outcome.ALLOWED) {
          assertThat(System.nanoTime() - deadline)
              .as("Redis counts again after the restart")
              .isNegative();
        }
      } finally {
        stores.forEach(RedisStore::close);
      }
    }
  }
}
