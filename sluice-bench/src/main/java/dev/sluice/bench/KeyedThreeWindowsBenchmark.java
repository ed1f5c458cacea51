package dev.sluice.bench;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.KeyedLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Three windows behind a key lookup: per-key limits of the IPTO global shape (per minute, per hour,
 * per day, all charged together) over {@code keys} String keys, the key advancing by one on every
 * call so consecutive calls touch different buckets.
 *
 * <p>The limits are IPTO's 100/minute, 1,000/hour and 10,000/day multiplied by {@value #SCALE}
 * (10,000,000 / 100,000,000 / 1,000,000,000), the same for both implementations: spread over 10,000
 * keys no key comes near them within a fork, so the <b>allowed path</b> is measured (and {@link
 * Denials} fails the run otherwise). Every key's bucket exists before measuring starts.
 *
 * <ul>
 *   <li>{@code sluice}: {@link KeyedLimiter#tryAcquire(Object)} with three fixed windows (one
 *       {@code ConcurrentHashMap.get}, one {@code long[]} of four words per key, one spin lock).
 *   <li>{@code bucket4j}: a {@code ConcurrentHashMap<String, Bucket>} with {@code
 *       computeIfAbsent(key, k -> newBucket()).tryConsume(1)}, each bucket of three bandwidths with
 *       {@code refillIntervally} (capacity N, refilled whole every window: the fixed-window
 *       semantics; Bucket4j's windows start at the bucket's creation, Sluice's on the epoch),
 *       lock-free, on its default clock ({@code System.currentTimeMillis()}).
 * </ul>
 *
 * The keys are the very String instances the maps hold, so hash codes are cached and {@code equals}
 * succeeds on identity: the best case for both. A server that parses a fresh key per request also
 * pays for its {@code hashCode} and a character comparison, both peers alike. With two threads,
 * both walk all the keys, half the key space apart: each bucket is written by both, so most calls
 * find its cache line last written by the other core (no two calls contend for one bucket at the
 * same moment, but the line has to move).
 *
 * <p>Run (from the repository root, after {@code ./mvnw -q -pl sluice-bench -am package
 * -DskipTests}):
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar KeyedThreeWindowsBenchmark \
 *     -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyedThreeWindowsBenchmark {
  static final long SCALE = 100_000;

  /** Sluice's limits: IPTO's global windows, scaled. */
  static final List<Limit> LIMITS =
      List.of(
          Limit.fixed("minute", 100 * SCALE, Window.of(Duration.ofMinutes(1))),
          Limit.fixed("hour", 1_000 * SCALE, Window.of(Duration.ofHours(1))),
          Limit.fixed("day", 10_000 * SCALE, Window.of(Duration.ofDays(1))));

  /** Bucket4j's bandwidths, the same limits; immutable, so shared by every bucket. */
  static final Bandwidth[] BANDWIDTHS = {
    Bandwidth.builder()
        .capacity(100 * SCALE)
        .refillIntervally(100 * SCALE, Duration.ofMinutes(1))
        .build(),
    Bandwidth.builder()
        .capacity(1_000 * SCALE)
        .refillIntervally(1_000 * SCALE, Duration.ofHours(1))
        .build(),
    Bandwidth.builder()
        .capacity(10_000 * SCALE)
        .refillIntervally(10_000 * SCALE, Duration.ofDays(1))
        .build()
  };

  /** One permit for {@code key}, yes or no. */
  interface KeyedAcquirer {
    boolean tryAcquire(String key);
  }

  @Param({"sluice", "bucket4j"})
  public String impl;

  @Param({"10000"})
  public int keys;

  String[] keyArray;
  private KeyedAcquirer limiter;

  @Setup
  public void setUp() {
    keyArray = new String[keys];
    for (int i = 0; i < keys; i++) {
      keyArray[i] = "user-" + (1_000_000 + i);
    }
    limiter = create(impl);
    for (String k : keyArray) {
      if (!limiter.tryAcquire(k)) {
        throw new IllegalStateException("denied while creating the buckets");
      }
    }
  }

  static KeyedAcquirer create(String impl) {
    switch (impl) {
      case "sluice":
        {
          KeyedLimiter<String> l =
              KeyedLimiter.<String>builder(LIMITS.toArray(new Limit[0])).build();
          return l::tryAcquire;
        }
      case "bucket4j":
        {
          ConcurrentHashMap<String, Bucket> map = new ConcurrentHashMap<>();
          return key -> map.computeIfAbsent(key, k -> newBucket4j(BANDWIDTHS)).tryConsume(1);
        }
      default:
        throw new IllegalArgumentException("unknown implementation " + impl);
    }
  }

  static Bucket newBucket4j(Bandwidth... bandwidths) {
    var b = Bucket.builder();
    for (Bandwidth bw : bandwidths) {
      b.addLimit(bw);
    }
    return b.build();
  }

  /** Each thread walks the keys from its own starting point. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    @Setup
    public void setUp(KeyedThreeWindowsBenchmark b, ThreadParams t) {
      next = (int) ((long) b.keys * t.getThreadIndex() / t.getThreadCount());
    }
  }

  private boolean step(Cursor c, Denials denials) {
    String[] ks = keyArray;
    int i = c.next;
    c.next = i + 1 == ks.length ? 0 : i + 1;
    return denials.record(limiter.tryAcquire(ks[i]));
  }

  @Benchmark
  @Threads(1)
  public boolean oneThread(Cursor c, Denials denials) {
    return step(c, denials);
  }

  @Benchmark
  @Threads(2)
  public boolean twoThreads(Cursor c, Denials denials) {
    return step(c, denials);
  }
}
