package dev.sluice.bench;

import com.google.common.util.concurrent.RateLimiter;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.Limiter;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * One key, one limit: the cost of asking one in-process limiter for one permit, on one thread and
 * with two threads hammering the same bucket.
 *
 * <p>Every implementation holds the same limit, {@value #PERMITS} permits per second (Bucket4j's
 * highest refill rate is one token per nanosecond), with a burst of the same size where the
 * algorithm has one. Each limiter is created afresh, full, for every (warm-up or measured)
 * iteration, and an iteration of 2 s makes well under 10^9 calls, so no limit ever runs out: what
 * is measured is the <b>allowed path</b> (read the clock, check, charge), and {@link Denials} fails
 * the run if a single call is refused. One exception: Sluice's token bucket refills at most one
 * unit per microsecond (GCRA's emission interval is whole microseconds, and faster rates are
 * refused), so it refills {@value #TOKEN_BUCKET_RATE} per second from a burst of {@value #PERMITS}:
 * within a 2 s iteration neither is reached, and the allowed path it runs is the same arithmetic
 * whatever the rate.
 *
 * <ul>
 *   <li>{@code sluiceFixedWindow}: {@link Limiter#tryAcquire()} over a fixed window (one word of
 *       state; spin lock in the bucket's header word).
 *   <li>{@code sluiceTokenBucket}: the same over a token bucket (GCRA).
 *   <li>{@code bucket4j}: {@code Bucket.builder().addLimit(...).build()} (lock-free by default),
 *       {@code refillGreedy}, {@code tryConsume(1)}, on its default clock ({@code
 *       System.currentTimeMillis()} per call).
 *   <li>{@code bucket4jNanoTime}: the same with {@code withNanosecondPrecision()} ({@code
 *       System.nanoTime()} per call).
 *   <li>{@code guava}: {@code RateLimiter.create(permitsPerSecond).tryAcquire()} (a {@code
 *       synchronized} smooth token bucket reading {@code System.nanoTime()}).
 *   <li>{@code resilience4j}: {@code AtomicRateLimiter.acquirePermission()} with a zero timeout
 *       (fixed refresh cycles, CAS on an immutable state object, {@code System.nanoTime()}).
 *   <li>{@code floorAtomicIncrement}: not a limiter but the floor under every exact shared limiter:
 *       one {@code AtomicLong.incrementAndGet()} per call, no clock, no check. With two threads it
 *       measures what moving one cache line between the two cores costs here.
 * </ul>
 *
 * Sluice reads its coarse clock ({@code Ticker.system()}: one volatile load, refreshed every
 * millisecond by a daemon thread); the peers read the system clock on every call. That is a design
 * difference and part of what is measured.
 *
 * <p>Run (from the repository root, after {@code ./mvnw -q -pl sluice-bench -am package
 * -DskipTests}):
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar SingleBucketBenchmark \
 *     -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc
 * </pre>
 *
 * With two threads JMH reports the average time of one call as each thread sees it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SingleBucketBenchmark {
  /** Permits per second, and the burst of the token buckets. */
  static final long PERMITS = 1_000_000_000;

  /** The refill rate of Sluice's token bucket (its highest: one unit per microsecond). */
  static final long TOKEN_BUCKET_RATE = 1_000_000;

  static final Duration WINDOW = Duration.ofSeconds(1);

  /** One permit, yes or no. */
  interface Acquirer {
    boolean tryAcquire();
  }

  @Param({
    "sluiceFixedWindow",
    "sluiceTokenBucket",
    "bucket4j",
    "bucket4jNanoTime",
    "guava",
    "resilience4j",
    "floorAtomicIncrement"
  })
  public String impl;

  private Acquirer limiter;

  @Setup(Level.Iteration)
  public void setUp() {
    limiter = create(impl);
  }

  static Acquirer create(String impl) {
    switch (impl) {
      case "sluiceFixedWindow":
        return Limiter.of(Limit.fixed("second", PERMITS, Window.of(WINDOW)))::tryAcquire;
      case "sluiceTokenBucket":
        return Limiter.of(
                Limit.tokenBucket("second", TOKEN_BUCKET_RATE, Window.of(WINDOW), PERMITS))
            ::tryAcquire;
      case "bucket4j":
        {
          Bucket b =
              Bucket.builder()
                  .addLimit(l -> l.capacity(PERMITS).refillGreedy(PERMITS, WINDOW))
                  .build();
          return () -> b.tryConsume(1);
        }
      case "bucket4jNanoTime":
        {
          Bucket b =
              Bucket.builder()
                  .addLimit(l -> l.capacity(PERMITS).refillGreedy(PERMITS, WINDOW))
                  .withNanosecondPrecision()
                  .build();
          return () -> b.tryConsume(1);
        }
      case "guava":
        return RateLimiter.create(PERMITS)::tryAcquire;
      case "resilience4j":
        return io.github.resilience4j.ratelimiter.RateLimiter.of(
                "bench",
                RateLimiterConfig.custom()
                    .limitForPeriod((int) PERMITS)
                    .limitRefreshPeriod(WINDOW)
                    .timeoutDuration(Duration.ZERO)
                    .build())
            ::acquirePermission;
      case "floorAtomicIncrement":
        {
          AtomicLong counter = new AtomicLong();
          return () -> counter.incrementAndGet() > 0;
        }
      default:
        throw new IllegalArgumentException("unknown implementation " + impl);
    }
  }

  @Benchmark
  @Threads(1)
  public boolean oneThread(Denials denials) {
    return denials.record(limiter.tryAcquire());
  }

  @Benchmark
  @Threads(2)
  public boolean twoThreadsOneBucket(Denials denials) {
    return denials.record(limiter.tryAcquire());
  }
}
