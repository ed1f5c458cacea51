package dev.sluice.bench;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.redis.RedisStore;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * A shared limit in Redis: 64 requests in flight ({@code inFlight}) against one local Redis, kept
 * there the way a gateway's event loop keeps them (one thread issues asynchronous charges, at most
 * 64 unanswered at any time), {@value #KEYS} clients picked at random, each with one token bucket
 * of 10^9 per hour and a burst of 10^9 (so nothing is ever denied: {@link Denials} fails a run that
 * sees a denial, and what is measured is the allowed path).
 *
 * <ul>
 *   <li>{@code sluice}: {@link RedisStore#chargeAsync} on Redis time over one shared Lettuce
 *       connection, charges batched into shared script calls ({@code -p batching=CALLSxMAX},
 *       default {@code 2x64}, the store's default); {@code sluiceUnbatched}: one {@code EVALSHA}
 *       per request.
 *   <li>{@code bucket4j}: Bucket4j's Lettuce backend ({@code Bucket4jLettuce.casBasedBuilder}),
 *       asynchronous ({@code asAsync()}), the same limit ({@code refillGreedy(10^9, 1 hour)}),
 *       {@code tryConsume(1)}, keys expiring 10 s after the bucket would be full again; over its
 *       own shared connection.
 * </ul>
 *
 * JMH counts issued requests; at the end of each iteration the benchmark waits for the ones still
 * in flight, so issued and answered agree to within 64. At the end of each trial it prints, per
 * request, the calls of each command Redis executed ({@code INFO commandstats}; commands a script
 * runs count too): Sluice's is one {@code EVALSHA}, the one round trip it makes.
 *
 * <p>The ceiling is {@code redis-benchmark} running Sluice's script with the same arguments and 64
 * connections; {@code sluice-bench/redis/run.sh} runs all three against a fresh {@code
 * redis-server} and prints the figures:
 *
 * <pre>
 * sluice-bench/redis/run.sh
 * </pre>
 *
 * or, against a running Redis:
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar RedisStoreBenchmark \
 *     -f 1 -wi 2 -w 3s -i 3 -r 5s -p redisUri=redis://127.0.0.1:6390
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class RedisStoreBenchmark {
  static final int KEYS = 10_000;
  static final long PERMITS = 1_000_000_000L;

  /** {@code sluice} batches calls under load (the default); {@code sluiceUnbatched} does not. */
  @Param({"sluice", "sluiceUnbatched", "bucket4j"})
  public String impl;

  @Param("redis://127.0.0.1:6390")
  public String redisUri;

  /**
   * What a request is charged: {@code oneBucket}, one token bucket (above); {@code ipto}, the shape
   * of an IPTO request: a global bucket of three fixed windows (minute, hour, day) and an endpoint
   * bucket of one (minute), 10^9 each. Sluice charges both buckets in one atomic call; Bucket4j,
   * which has no multi-bucket operation, consumes from its global bucket (three bandwidths) and
   * then from its endpoint bucket.
   */
  @Param({"oneBucket", "ipto"})
  public String shape;

  /**
   * Sluice's batching, {@code CALLSxMAXBATCH}: script calls in flight, charges per call at most.
   */
  @Param("2x64")
  public String batching;

  /** How many requests are kept in flight: 64 is issue 4's target; more shows what scales. */
  @Param("64")
  public int inFlight;

  private RedisStore store;
  private BucketGroup group;
  private BucketGroup endpointGroup;
  private AsyncBucketProxy[] endpointBuckets;
  private RedisClient client;
  private StatefulRedisConnection<byte[], byte[]> bucket4jConnection;
  private AsyncBucketProxy[] buckets;
  private Semaphore window;
  private final AtomicLong denied = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();

  @Setup(Level.Trial)
  public void setUp() {
    window = new Semaphore(inFlight);
    if (impl.startsWith("sluice")) {
      String[] b = batching.split("x");
      store =
          impl.equals("sluice")
              ? RedisStore.builder(redisUri)
                  .batching(Integer.parseInt(b[0]), Integer.parseInt(b[1]))
                  .build()
              : RedisStore.builder(redisUri).batching(0, 1).build();
      if (shape.equals("ipto")) {
        group =
            store.group(
                "global",
                List.of(
                    Limit.fixed("minute", PERMITS, Window.of(Duration.ofMinutes(1))),
                    Limit.fixed("hour", PERMITS, Window.of(Duration.ofHours(1))),
                    Limit.fixed("day", PERMITS, Window.of(Duration.ofDays(1)))));
        endpointGroup =
            store.group(
                "asset-listing",
                List.of(Limit.fixed("asset-listing", PERMITS, Window.of(Duration.ofMinutes(1)))));
      } else {
        group =
            store.group(
                "bench",
                List.of(
                    Limit.tokenBucket("rate", PERMITS, Window.of(Duration.ofHours(1)), PERMITS)));
      }
    } else {
      client = RedisClient.create(redisUri);
      bucket4jConnection = client.connect(ByteArrayCodec.INSTANCE);
      LettuceBasedProxyManager<byte[]> proxies =
          Bucket4jLettuce.casBasedBuilder(bucket4jConnection)
              .expirationAfterWrite(
                  ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                      Duration.ofSeconds(10)))
              .build();
      BucketConfiguration config =
          shape.equals("ipto")
              ? BucketConfiguration.builder()
                  .addLimit(
                      Bandwidth.builder()
                          .capacity(PERMITS)
                          .refillIntervally(PERMITS, Duration.ofMinutes(1))
                          .build())
                  .addLimit(
                      Bandwidth.builder()
                          .capacity(PERMITS)
                          .refillIntervally(PERMITS, Duration.ofHours(1))
                          .build())
                  .addLimit(
                      Bandwidth.builder()
                          .capacity(PERMITS)
                          .refillIntervally(PERMITS, Duration.ofDays(1))
                          .build())
                  .build()
              : BucketConfiguration.builder()
                  .addLimit(
                      Bandwidth.builder()
                          .capacity(PERMITS)
                          .refillGreedy(PERMITS, Duration.ofHours(1))
                          .build())
                  .build();
      BucketConfiguration endpoint =
          BucketConfiguration.builder()
              .addLimit(
                  Bandwidth.builder()
                      .capacity(PERMITS)
                      .refillIntervally(PERMITS, Duration.ofMinutes(1))
                      .build())
              .build();
      buckets = new AsyncBucketProxy[KEYS];
      endpointBuckets = new AsyncBucketProxy[KEYS];
      for (int k = 0; k < KEYS; k++) {
        buckets[k] =
            proxies
                .asAsync()
                .builder()
                .build(
                    ("bucket4j:" + k).getBytes(StandardCharsets.UTF_8),
                    () -> CompletableFuture.completedFuture(config));
        endpointBuckets[k] =
            proxies
                .asAsync()
                .builder()
                .build(
                    ("bucket4j:assets:" + k).getBytes(StandardCharsets.UTF_8),
                    () -> CompletableFuture.completedFuture(endpoint));
      }
    }
    resetStats();
    requests.set(0);
    redisCpuAtStart = redisCpuSeconds();
  }

  /** Waits for the requests still in flight; fails the iteration on any denial or error. */
  @TearDown(Level.Iteration)
  public void drain() throws InterruptedException {
    window.acquire(inFlight);
    window.release(inFlight);
    if (denied.get() + failed.get() > 0) {
      throw new IllegalStateException(
          denied.get()
              + " denied and "
              + failed.get()
              + " failed requests: "
              + "the benchmark measures the allowed path");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    StringBuilder perRequest = new StringBuilder();
    for (String line : stats().split("\r\n")) {
      if (line.startsWith("cmdstat_")
          && !line.startsWith("cmdstat_info")
          && !line.startsWith("cmdstat_config")
          && !line.startsWith("cmdstat_hello")) {
        long calls = Long.parseLong(line.substring(line.indexOf("calls=") + 6, line.indexOf(',')));
        perRequest.append(
            String.format(
                " %s %.2f",
                line.substring(8, line.indexOf(':')),
                calls / (double) Math.max(1, requests.get())));
      }
    }
    double cpuMicros = (redisCpuSeconds() - redisCpuAtStart) * 1e6 / Math.max(1, requests.get());
    System.out.printf(
        "%n%s %s: %d requests; Redis CPU per request (user + sys) %.2f us; Redis command"
            + " calls per request:%s%n",
        impl, shape, requests.get(), cpuMicros, perRequest);
    if (store != null) {
      store.close();
    }
    if (bucket4jConnection != null) {
      bucket4jConnection.close();
      client.shutdown();
    }
  }

  private double redisCpuAtStart;

  /** Redis's own CPU time so far, user plus system ({@code INFO cpu}). */
  private double redisCpuSeconds() {
    RedisClient c = RedisClient.create(redisUri);
    try (StatefulRedisConnection<String, String> conn = c.connect(StringCodec.UTF8)) {
      double total = 0;
      for (String line : conn.sync().info("cpu").split("\r\n")) {
        if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
          total += Double.parseDouble(line.substring(line.indexOf(':') + 1));
        }
      }
      return total;
    } finally {
      c.shutdown();
    }
  }

  private void resetStats() {
    RedisClient c = RedisClient.create(redisUri);
    try (StatefulRedisConnection<String, String> conn = c.connect(StringCodec.UTF8)) {
      conn.sync().configResetstat();
    } finally {
      c.shutdown();
    }
  }

  private String stats() {
    RedisClient c = RedisClient.create(redisUri);
    try (StatefulRedisConnection<String, String> conn = c.connect(StringCodec.UTF8)) {
      return conn.sync().info("commandstats");
    } finally {
      c.shutdown();
    }
  }

  /** Issues one request, first waiting until fewer than 64 are in flight. */
  @Benchmark
  public void charge() throws InterruptedException {
    int key = ThreadLocalRandom.current().nextInt(KEYS);
    window.acquire();
    requests.incrementAndGet();
    boolean ipto = shape.equals("ipto");
    if (store != null) {
      Charge c = new Charge(2).add(group, key, 1, key);
      if (ipto) {
        c.add(endpointGroup, key ^ 0x5bd1e995L, 1, key);
      }
      store.chargeAsync(c).whenComplete((v, e) -> done(e == null && v.admitted(), e));
    } else if (ipto) {
      buckets[key]
          .tryConsume(1)
          .thenCompose(
              ok ->
                  ok
                      ? endpointBuckets[key].tryConsume(1)
                      : CompletableFuture.completedFuture(false))
          .whenComplete((ok, e) -> done(e == null && ok, e));
    } else {
      buckets[key].tryConsume(1).whenComplete((ok, e) -> done(e == null && ok, e));
    }
  }

  private void done(boolean admitted, Throwable failure) {
    if (failure != null) {
      failed.incrementAndGet();
    } else if (!admitted) {
      denied.incrementAndGet();
    }
    window.release();
  }
}
