package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.LimitKind;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreContract;
import dev.sluice.core.store.Verdict;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The store contract on a real Redis, plus what is Redis's own: keys, TTLs, URIs. */
class RedisStoreTest extends StoreContract {
  private static final AtomicInteger STORES = new AtomicInteger();

  /** A prefix per store, so tests on the one shared server never see each other's buckets. */
  static String freshPrefix() {
    return "t" + ProcessHandle.current().pid() + "-" + STORES.incrementAndGet();
  }

  @Override
  protected Store newStore(ManualTicker ticker) {
    return RedisStore.builder(RedisServer.shared().uri())
        .timeout(RedisServer.CONTRACT_TIMEOUT)
        .clock(ticker)
        .timeout(RedisServer.CONTRACT_TIMEOUT)
        .keyPrefix(freshPrefix())
        .build();
  }

  static <T> T withRedis(
      String uri, java.util.function.Function<RedisCommands<String, String>, T> f) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return f.apply(c.sync());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void keys_onePackedStringPerBucket_hashTaggedByIdentity_withATtlOnRedisTime() {
    String prefix = freshPrefix();
    try (RedisStore live =
        RedisStore.builder(RedisServer.shared().uri())
            .timeout(RedisServer.CONTRACT_TIMEOUT)
            .keyPrefix(prefix)
            .build()) {
      BucketGroup g =
          live.group(
              "api",
              List.of(
                  LimitKind.FIXED.of("minute", 5, MINUTE),
                  LimitKind.TOKEN_BUCKET.of("hour", 50, HOUR)));
      live.charge(new Charge(1).add(g, 0xabcL, 1));

      List<String> keys = withRedis(RedisServer.shared().uri(), r -> r.keys(prefix + ":*"));
      assertThat(keys)
          .singleElement()
          .satisfies(
              k ->
                  assertThat(k)
                      .matches(
                          prefix.replace("-", "\\-") + ":\\{0000000000000abc\\}:[0-9a-f]{16}"));
      String key = keys.get(0);
      // Four little-endian doubles: the window's index and count, the token bucket's theoretical
      // arrival time, one unit (72 s) after the charge, and when the key's TTL ends.
      ByteBuffer state;
      RedisClient client = RedisClient.create(RedisServer.shared().uri());
      try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
        state =
            ByteBuffer.wrap(c.sync().get(key.getBytes(StandardCharsets.UTF_8)))
                .order(ByteOrder.LITTLE_ENDIAN);
      } finally {
        client.shutdown();
      }
      assertThat(state.remaining()).isEqualTo(32);
      double index = state.getDouble();
      assertThat(state.getDouble()).isEqualTo(1.0);
      double tat = state.getDouble();
      assertThat((long) tat - (long) index * 60_000_000L)
          .isBetween(72_000_000L, 72_000_000L + 60_000_000L);
      long ttlEnd = (long) state.getDouble(); // when the TTL ends, epoch ms
      long ttl = withRedis(RedisServer.shared().uri(), r -> r.pttl(key));
      // The token bucket's state matters for 72 s (one unit of 50/hour), the window's for up to a
      // minute: the TTL covers the longer one, plus a second, plus an eighth of slack (9.1 s) so
      // that the next charges need not extend it.
      assertThat(ttl).isBetween(80_000L, 82_300L);
      assertThat(ttlEnd - (long) tat / 1000).isBetween(1_000L + 9_125L - 1L, 1_000L + 9_125L + 1L);
    }
  }

  @Test
  void keys_ofOneClientOnSeveralRules_shareTheClientsHashTag() {
    String prefix = freshPrefix();
    try (RedisStore live =
        RedisStore.builder(RedisServer.shared().uri())
            .timeout(RedisServer.CONTRACT_TIMEOUT)
            .keyPrefix(prefix)
            .build()) {
      BucketGroup a = live.group("a", List.of(LimitKind.FIXED.of("a-minute", 5, MINUTE)));
      BucketGroup b = live.group("b", List.of(LimitKind.FIXED.of("b-minute", 5, MINUTE)));
      live.charge(new Charge(2).add(a, 0x111L, 1, 0xf00dL).add(b, 0x222L, 1, 0xf00dL));

      List<String> keys = withRedis(RedisServer.shared().uri(), r -> r.keys(prefix + ":*"));
      assertThat(keys)
          .hasSize(2)
          .allSatisfy(k -> assertThat(k).startsWith(prefix + ":{000000000000f00d}:"));
      assertThat(keys)
          .anySatisfy(k -> assertThat(k).contains(":0000000000000111:"))
          .anySatisfy(k -> assertThat(k).contains(":0000000000000222:"));
      assertThat(io.lettuce.core.cluster.SlotHash.getSlot(keys.get(0)))
          .isEqualTo(io.lettuce.core.cluster.SlotHash.getSlot(keys.get(1)));
    }
  }

  @Test
  void chargesInFlightTogether_goInFewerCallsAndStayExact() throws Exception {
    try (RedisServer own = RedisServer.start();
        RedisStore live =
            RedisStore.builder(own.uri())
                .timeout(RedisServer.CONTRACT_TIMEOUT)
                .batching(1, 64)
                .build()) {
      BucketGroup g = live.group("api", List.of(LimitKind.FIXED.of("minute", 150, MINUTE)));
      List<java.util.concurrent.CompletableFuture<Verdict>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 400; i++) { // all at once: most wait for the call in flight
        all.add(
            live.chargeAsync(new Charge(1).add(g, i % 2 == 0 ? 1 : 2, 1)).toCompletableFuture());
      }
      long admitted = 0;
      for (var f : all) {
        admitted += f.get(30, java.util.concurrent.TimeUnit.SECONDS).admitted() ? 1 : 0;
      }

      assertThat(admitted).as("two buckets of 150, each charged 200 times").isEqualTo(300);
      long calls = calls(own, "evalsha") + calls(own, "eval");
      assertThat(calls).as("400 charges in far fewer script calls").isBetween(1L, 100L);
    }
  }

  @Test
  void aCharge_readsItsBucketWithOneGet_andWritesItWithOneSet() throws Exception {
    try (RedisServer own = RedisServer.start();
        RedisStore live =
            RedisStore.builder(own.uri())
                .timeout(RedisServer.CONTRACT_TIMEOUT)
                .batching(0, 1)
                .build()) {
      BucketGroup g =
          live.group(
              "api",
              List.of(
                  LimitKind.FIXED.of("hour", 1_000, HOUR),
                  LimitKind.SLIDING.of("day", 5_000, DAY),
                  LimitKind.TOKEN_BUCKET.of("minute", 100, MINUTE)));
      for (int i = 0; i < 50; i++) {
        assertThat(live.charge(new Charge(1).add(g, 7, 1)).admitted()).isTrue();
      }
      live.charge(new Charge(1).add(g, 7, 0)); // a read writes nothing

      assertThat(calls(own, "get")).isEqualTo(51);
      assertThat(calls(own, "set")).isEqualTo(50);
      assertThat(calls(own, "pexpire") + calls(own, "hset") + calls(own, "hmget")).isZero();
    }
  }

  @Test
  void aBusyKeysTtl_isExtendedOncePerWindowNotPerCharge() {
    ManualTicker clock = new ManualTicker(java.time.Instant.parse("2026-11-24T10:00:00Z"));
    String prefix = freshPrefix();
    try (RedisStore live =
        RedisStore.builder(RedisServer.shared().uri())
            .timeout(RedisServer.CONTRACT_TIMEOUT)
            .keyPrefix(prefix)
            .clock(clock)
            .build()) {
      BucketGroup g = live.group("api", List.of(LimitKind.FIXED.of("hour", 1_000, HOUR)));
      live.charge(new Charge(1).add(g, 7, 1));
      String key = withRedis(RedisServer.shared().uri(), r -> r.keys(prefix + ":*")).get(0);
      // Until the window ends (1 h), plus the test clock's margin (1 h), plus an eighth of slack.
      long first = withRedis(RedisServer.shared().uri(), r -> r.pttl(key));
      assertThat(first).isBetween(8_100_000L - 5_000, 8_100_000L);

      clock.advance(java.time.Duration.ofMinutes(30)); // the window needs the key 30 min less
      live.charge(new Charge(1).add(g, 7, 1));
      long second = withRedis(RedisServer.shared().uri(), r -> r.pttl(key));
      assertThat(second)
          .as("kept as the first charge set it (KEEPTTL)")
          .isBetween(first - 5_000, first);

      clock.advance(java.time.Duration.ofMinutes(31)); // the next window, which ends at 12:00
      live.charge(new Charge(1).add(g, 7, 1));
      long third = withRedis(RedisServer.shared().uri(), r -> r.pttl(key));
      long needed = 59 * 60_000L + 3_600_000L;
      assertThat(third)
          .as("extended for the new window")
          .isBetween(needed + needed / 8 - 5_000, needed + needed / 8);
    }
  }

  /** Rules are numbered per call: a call mixing three rules, keys shared across its charges. */
  @Test
  void aCallMixingRules_answersAsTheSameChargesSentOneByOne() throws Exception {
    ManualTicker clock = new ManualTicker(Instant.parse("2026-11-24T10:00:00Z"));
    try (RedisStore batched =
            RedisStore.builder(RedisServer.shared().uri())
                .timeout(RedisServer.CONTRACT_TIMEOUT)
                .keyPrefix(freshPrefix())
                .clock(clock)
                .build();
        RedisStore single =
            RedisStore.builder(RedisServer.shared().uri())
                .timeout(RedisServer.CONTRACT_TIMEOUT)
                .keyPrefix(freshPrefix())
                .clock(clock)
                .build()) {
      List<List<BucketGroup>> groups = new ArrayList<>();
      for (RedisStore s : List.of(batched, single)) {
        groups.add(
            List.of(
                s.group(
                    "a",
                    List.of(
                        LimitKind.FIXED.of("m", 7, Duration.ofSeconds(10)),
                        LimitKind.TOKEN_BUCKET.of("t", 5, Duration.ofSeconds(3)))),
                s.group("b", List.of(LimitKind.SLIDING.of("s", 6, Duration.ofSeconds(4)))),
                s.group(
                    "c",
                    List.of(
                        LimitKind.LIFETIME.of("l", 9, Duration.ofSeconds(20)),
                        LimitKind.SLIDING.of("s", 4, Duration.ofSeconds(2)),
                        LimitKind.FIXED.of("f", 3, Duration.ofSeconds(1))))));
      }
      Random rnd = new Random(7);
      for (int round = 0; round < 300; round++) {
        clock.advance(Duration.ofMillis(rnd.nextInt(4) == 0 ? 1500 : rnd.nextInt(200)));
        int n = 1 + rnd.nextInt(6);
        List<int[]> specs = new ArrayList<>(); // per call: group, id, cost triples
        for (int c = 0; c < n; c++) {
          int members = 1 + rnd.nextInt(3);
          int[] s = new int[3 * members];
          for (int m = 0; m < members; m++) {
            s[3 * m] = rnd.nextInt(3);
            s[3 * m + 1] =
                m * 10 + rnd.nextInt(2); // distinct within a charge, shared across charges
            s[3 * m + 2] = rnd.nextInt(3);
          }
          specs.add(s);
        }
        List<Batcher.Call> calls = new ArrayList<>();
        List<RedisStore.SlotResult> one = new ArrayList<>();
        List<Integer> limits = new ArrayList<>();
        for (int[] s : specs) {
          Charge cb = new Charge(s.length / 3);
          Charge cs = new Charge(s.length / 3);
          int l = 0;
          for (int m = 0; m < s.length; m += 3) {
            cb.add(groups.get(0).get(s[m]), s[m + 1], s[m + 2]);
            cs.add(groups.get(1).get(s[m]), s[m + 1], s[m + 2]);
            l += groups.get(0).get(s[m]).limits().size();
          }
          limits.add(l);
          int[] all = new int[s.length / 3];
          for (int i = 0; i < all.length; i++) all[i] = i;
          calls.add(new Batcher.Call(new RedisStore.Plan(batched, cb), all));
          one.add(
              single
                  .runAll(List.of(new Batcher.Call(new RedisStore.Plan(single, cs), all)))
                  .get(5, TimeUnit.SECONDS)
                  .get(0));
        }
        List<RedisStore.SlotResult> got = batched.runAll(calls).get(5, TimeUnit.SECONDS);
        for (int c = 0; c < n; c++) {
          assertThat(got.get(c).admitted)
              .as("round %d call %d", round, c)
              .isEqualTo(one.get(c).admitted);
          for (int f = 0; f < limits.get(c); f++) {
            for (int w = 0; w < 4; w++) {
              assertThat(got.get(c).figure(f, w))
                  .as("round %d call %d limit %d figure %d", round, c, f, w)
                  .isEqualTo(one.get(c).figure(f, w));
            }
          }
        }
      }
    }
  }

  /** How many times {@code command} ran on {@code server}, scripts' calls included. */
  static long calls(RedisServer server, String command) {
    String stats = withRedis(server.uri(), r -> r.info("commandstats"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(stats);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  @Test
  void charge_atCostZero_writesNothing() {
    BucketGroup g = store.group("api", List.of(LimitKind.SLIDING.of("hourly", 5, HOUR)));

    charge(g, 77, 0);

    List<String> keys = withRedis(RedisServer.shared().uri(), r -> r.keys("*{000000000000004d}*"));
    assertThat(keys).isEmpty();
  }

  @Test
  void verdicts_equalTheInMemoryStores_onTheSameSequence() {
    ManualTicker clock = new ManualTicker(START);
    InMemoryStore memory = InMemoryStore.builder().ticker(clock).executor(Runnable::run).build();
    try (RedisStore redis =
        RedisStore.builder(RedisServer.shared().uri())
            .timeout(RedisServer.CONTRACT_TIMEOUT)
            .clock(clock)
            .keyPrefix(freshPrefix())
            .build()) {
      java.time.Duration[] spans = {
        java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(7), MINUTE
      };
      java.util.Random random = new java.util.Random(42);
      for (LimitKind kind : LimitKind.values()) {
        for (java.time.Duration span : spans) {
          List<dev.sluice.core.policy.Limit> limits =
              List.of(
                  kind.of("l", 1 + random.nextInt(9), span),
                  LimitKind.SLIDING.of("s", 3 + random.nextInt(20), span.multipliedBy(3)));
          BucketGroup m = memory.group(kind + "-" + span, limits);
          BucketGroup r = redis.group(kind + "-" + span, limits);
          for (int step = 0; step < 120; step++) {
            int key = random.nextInt(3);
            long cost = random.nextInt(4);
            Verdict expected = memory.charge(new Charge(1).add(m, key, cost));
            Verdict actual = redis.charge(new Charge(1).add(r, key, cost));
            assertThat(actual).as("%s over %s, step %d", kind, span, step).isEqualTo(expected);
            clock.advance(
                java.time.Duration.ofNanos(
                    span.toNanos() / (1 + random.nextInt(12))
                        + random.nextInt(1_000_000) * 1_000L));
          }
        }
      }
    }
  }

  @Test
  void connect_badUri_namesTheUriAndWhatIsWrong() {
    assertThatThrownBy(() -> RedisStore.connect("localhost:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'localhost:6379'")
        .hasMessageContaining("no scheme");
    assertThatThrownBy(() -> RedisStore.connect("memcached://host:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown scheme 'memcached'");
    assertThatThrownBy(() -> RedisStore.connect("redis-cluster://a:1,b:x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'x' is not a port number");
    assertThatThrownBy(() -> RedisStore.connect("redis-cluster://:secret@a:1/3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redis-cluster://:***@a:1/3")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> RedisStore.connect("redis-sentinel://a:26379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must name the master");
  }

  @Test
  void connect_badHostPortPathOrOption_isRefusedBeforeConnecting_sayingWhat() {
    String[][] cases = {
      {"redis://127.0.0.1:0", "port 0 is out of range"}, // Lettuce would connect to 6379
      {"redis://127.0.0.1:abc", "'abc' is not a port number"},
      {"redis://127.0.0.1:-1", "'-1' is not a port number"},
      {"redis://:6379", "it names no host"},
      {"redis://", "it names no host"},
      {"redis://a:1,b:2", "several hosts"},
      {"redis://127.0.0.1:6379/x", "'x' is not a database number"},
      {"redis://127.0.0.1:6379?tiemout=1s", "unknown option 'tiemout'"},
      {"redis://127.0.0.1:6379?timeout=soon", "timeout 'soon' is not a duration"},
      {"redis://127.0.0.1:6379#mymaster", "only a Sentinel URI names a master"},
      {"redis-cluster://,", "a node has no host"},
      {"redis-cluster://", "it names no host"},
      {"redis-cluster://a:1?timeout=1s", "takes no options"},
      {"redis-sentinel://a:1,b:x#m", "'x' is not a port number"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> RedisStore.connect(c[0]))
          .as(c[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + c[0] + "'")
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void connect_badUri_neverShowsThePassword_evenInLettucesOwnMessages() {
    assertThatThrownBy(() -> RedisStore.connect("redis://:hunter2@host with space:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redis://:***@host with space:1")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> RedisStore.connect("redis://:hunter2@127.0.0.1:x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void connect_passwordWithSpecialCharacters_rawOrPercentEncoded_onEveryScheme() {
    String password = "p@ss/w#rd?%x:y";
    try (RedisServer secured = RedisServer.start("--requirepass", password)) {
      String encoded = "p%40ss%2Fw%23rd%3F%25x%3Ay";
      for (String uri :
          new String[] {
            "redis://:" + password + "@127.0.0.1:" + secured.port(),
            "redis://:" + encoded + "@127.0.0.1:" + secured.port() + "/0",
            "redis://default:" + encoded + "@127.0.0.1:" + secured.port()
          }) {
        try (RedisStore s = RedisStore.connect(uri)) {
          BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("h", 5, HOUR)));
          assertThat(s.charge(new Charge(1).add(g, 1, 1)).admitted()).as(uri).isTrue();
          assertThat(s.toString()).doesNotContain("ss/w").doesNotContain("%40");
        }
      }
    }
  }

  /**
   * The message of the IllegalStateException connecting to {@code uri} throws. Lettuce sometimes
   * sees the channel it closes after a refused handshake close before it reports Redis's answer
   * ("Connection closed prematurely", under load): such an attempt is tried again, a few times.
   */
  private static String failureConnecting(String uri) {
    String message = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        RedisStore.connect(uri).close();
        throw new AssertionError("connected to " + uri);
      } catch (IllegalStateException e) {
        message = e.getMessage();
        if (!message.contains("closed prematurely")) {
          return message;
        }
      }
    }
    return message;
  }

  @Test
  void connect_wrongOrMissingPasswordOrDatabase_saysWhatRedisAnswered() {
    try (RedisServer secured = RedisServer.start("--requirepass", "right")) {
      assertThat(failureConnecting("redis://:wrong@127.0.0.1:" + secured.port()))
          .contains(
              "redis://:***@127.0.0.1:" + secured.port() + " refused the connection: WRONGPASS")
          .contains("password")
          .doesNotContain("wrong@");
      assertThat(failureConnecting(secured.uri())).contains("NOAUTH");
      try (RedisStore late =
          RedisStore.builder("redis://:wrong@127.0.0.1:" + secured.port())
              .connectInBackground(true)
              .build()) {
        BucketGroup g = late.group("api", List.of(LimitKind.FIXED.of("h", 5, HOUR)));
        assertThatThrownBy(() -> late.charge(new Charge(1).add(g, 1, 1)))
            .isInstanceOf(dev.sluice.core.store.StoreUnavailableException.class)
            .hasMessageContaining("WRONGPASS");
      }
    }
    assertThatThrownBy(() -> RedisStore.connect(RedisServer.shared().uri() + "/99"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("DB index is out of range")
        .hasMessageContaining("database number");
  }

  @Test
  void connect_nothingListening_failsAtStartUp() {
    assertThatThrownBy(
            () ->
                RedisStore.builder("redis://127.0.0.1:1")
                    .connectTimeout(java.time.Duration.ofMillis(300))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("redis://127.0.0.1:1");
  }

  @Test
  void charge_groupOfAnotherStore_isRefused() {
    BucketGroup foreign =
        InMemoryStore.create().group("api", List.of(LimitKind.FIXED.of("h", 1, HOUR)));

    assertThatThrownBy(() -> store.charge(new Charge(1).add(foreign, 1, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another store");
  }

  @Test
  void charge_sameBucketTwice_isRefused() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("h", 5, HOUR)));

    assertThatThrownBy(() -> store.charge(new Charge(2).add(g, 1, 1).add(g, 1, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
  }

  @Test
  void group_tokenBucketBeyondExactDoubles_isRefused() {
    var huge =
        dev.sluice.core.policy.Limit.tokenBucket(
            "huge", 1, dev.sluice.core.policy.Window.of(java.time.Duration.ofDays(365 * 50)), 10);

    assertThatThrownBy(() -> store.group("api", List.of(huge)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("71 years");
  }

  @Test
  void nearCache_repeatsADenial_withoutAskingRedis_untilItsRetryTime() {
    String prefix = freshPrefix();
    try (RedisStore cached =
        RedisStore.builder(RedisServer.shared().uri())
            .timeout(RedisServer.CONTRACT_TIMEOUT)
            .clock(ticker)
            .keyPrefix(prefix)
            .nearCache(100)
            .build()) {
      BucketGroup g = cached.group("api", List.of(LimitKind.FIXED.of("hourly", 2, HOUR)));
      cached.charge(new Charge(1).add(g, 1, 2));
      Verdict denied = cached.charge(new Charge(1).add(g, 1, 1));
      assertThat(denied.kind()).isEqualTo(Verdict.Kind.DENIED);

      Long deleted =
          withRedis(RedisServer.shared().uri(), r -> r.del(cached.key((RedisGroup) g, 1)));
      assertThat(deleted).isEqualTo(1);
      Verdict repeated = cached.charge(new Charge(1).add(g, 1, 1));

      assertThat(repeated.kind()).as("answered from the near cache").isEqualTo(Verdict.Kind.DENIED);
      assertThat(repeated.statuses()).isEqualTo(denied.statuses());
      assertThat(repeated.nowMicros()).isGreaterThanOrEqualTo(denied.nowMicros());
      assertThat(cached.charge(new Charge(1).add(g, 1, 2)).kind())
          .as("another cost asks Redis")
          .isEqualTo(Verdict.Kind.ADMITTED);
    }
  }
}
