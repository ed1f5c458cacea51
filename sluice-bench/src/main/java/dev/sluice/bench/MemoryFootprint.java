package dev.sluice.bench;

import dev.sluice.core.Request;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.KeyedLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Heap bytes per live (key, limit) with {@value #KEYS} keys: Sluice's in-memory structures and
 * Bucket4j buckets in a {@code ConcurrentHashMap}. Not a JMH benchmark: a plain program that builds
 * each structure, collects garbage a few times, and reads the used heap (the {@code
 * MemoryPoolMXBean}s of the heap, eden excepted, see {@link #usedHeapAfterGc}) before and after;
 * the JVM's class histogram gives the same figure a second way.
 *
 * <p>What is counted: everything the structure retains, and nothing else. The key strings are built
 * and held <em>before</em> the first reading, so where a structure keeps the caller's String keys
 * (KeyedLimiter, Bucket4j's map) their cost is excluded for both alike; the program prints what one
 * key string costs, for whoever wants to add it. The engine through Sluice keeps no strings at all
 * (it stores a 64-bit keyed hash of the token, boxed as a {@code Long} map key), so its figure is
 * its whole cost; a Bucket4j map keyed by the same tokens would hold the token strings on top of
 * its figure. Sweeps are set to once a day so nothing expires mid-measurement.
 *
 * <p>Run (from the repository root, after {@code ./mvnw -q -pl sluice-bench -am package
 * -DskipTests}; Serial GC so that "used after a full GC" is exact, a fixed 4 GiB heap so compressed
 * oops are on as in most deployments):
 *
 * <pre>
 * java -Xms4g -Xmx4g -XX:+UseSerialGC \
 *     -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.MemoryFootprint
 * </pre>
 *
 * Arguments, if any, name the scenarios to run (default: all).
 */
public final class MemoryFootprint {
  static final int KEYS = 1_000_000;
  private static final Duration NEVER_SWEEP = Duration.ofDays(1);

  private MemoryFootprint() {}

  /** One structure to measure. */
  private record Scenario(String name, int limitsPerKey, String what, Supplier<Object> build) {}

  public static void main(String[] args) {
    String[] keys = new String[KEYS];
    long beforeKeys = usedHeapAfterGc();
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "user-" + (10_000_000 + i); // 13 Latin-1 characters
    }
    long keyBytes = usedHeapAfterGc() - beforeKeys;
    System.out.printf(
        Locale.ROOT,
        "%s, %s %s, max heap %d MiB%n",
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        ManagementFactory.getRuntimeMXBean().getInputArguments(),
        Runtime.getRuntime().maxMemory() >> 20);
    System.out.printf(
        Locale.ROOT,
        "key strings (held before every reading, so not counted below): %.1f B per key,"
            + " array slot included%n%n",
        (double) keyBytes / KEYS);

    List<Scenario> all =
        List.of(
            new Scenario(
                "sluice-keyed-1",
                1,
                "KeyedLimiter<String>, 1 fixed window",
                () ->
                    sluiceKeyed(
                        keys, Limit.fixed("minute", 100, Window.of(Duration.ofMinutes(1))))),
            new Scenario(
                "sluice-keyed-3",
                3,
                "KeyedLimiter<String>, 3 fixed windows",
                () -> sluiceKeyed(keys, IptoPolicy.globalLimits(1).toArray(new Limit[0]))),
            new Scenario(
                "sluice-engine-1",
                1,
                "Sluice + InMemoryStore, a rule of 1 window, distinct bearer tokens",
                () -> sluiceEngine(IptoPolicy.globalLimits(1).subList(0, 1))),
            new Scenario(
                "sluice-engine-3",
                3,
                "Sluice + InMemoryStore, global rule of 3 windows, distinct bearer tokens",
                () -> sluiceEngine(IptoPolicy.globalLimits(1))),
            new Scenario(
                "bucket4j-1",
                1,
                "ConcurrentHashMap<String, Bucket>, 1 bandwidth",
                () -> bucket4j(keys, KeyedThreeWindowsBenchmark.BANDWIDTHS[0])),
            new Scenario(
                "bucket4j-3",
                3,
                "ConcurrentHashMap<String, Bucket>, 3 bandwidths",
                () -> bucket4j(keys, KeyedThreeWindowsBenchmark.BANDWIDTHS)));

    List<String> wanted = List.of(args);
    System.out.printf(
        Locale.ROOT,
        "%-16s %-72s %12s %9s %13s %16s%n",
        "scenario",
        "structure",
        "retained B",
        "B/key",
        "B/(key,limit)",
        "histogram B/key");
    for (Scenario s : all) {
      if (!wanted.isEmpty() && !wanted.contains(s.name)) {
        continue;
      }
      long before = usedHeapAfterGc();
      long liveBefore = liveBytesByHistogram();
      Object structure = s.build.get();
      long after = usedHeapAfterGc();
      long liveAfter = liveBytesByHistogram();
      Reference.reachabilityFence(structure);
      long retained = after - before;
      System.out.printf(
          Locale.ROOT,
          "%-16s %-72s %,12d %9.1f %13.1f %16.1f%n",
          s.name,
          s.what,
          retained,
          (double) retained / KEYS,
          (double) retained / KEYS / s.limitsPerKey,
          (double) (liveAfter - liveBefore) / KEYS);
      structure = null;
    }
    Reference.reachabilityFence(keys);
  }

  private static Object sluiceKeyed(String[] keys, Limit... limits) {
    KeyedLimiter<String> limiter =
        KeyedLimiter.<String>builder(limits).sweepInterval(NEVER_SWEEP).build();
    for (String k : keys) {
      require(limiter.tryAcquire(k), "KeyedLimiter denied a first request");
    }
    require(limiter.size() == KEYS, "KeyedLimiter holds " + limiter.size() + " keys");
    return limiter;
  }

  private static Object sluiceEngine(List<Limit> limits) {
    InMemoryStore store = InMemoryStore.builder().sweepInterval(NEVER_SWEEP).build();
    Policy policy =
        new Policy(
            HeaderDialect.X_RATELIMIT,
            true,
            DenialFormat.DETAIL,
            List.of(Rule.global("global", IptoPolicy.globalKey(), limits)));
    Sluice sluice = Sluice.builder(policy).store(store).build();
    for (int i = 0; i < KEYS; i++) {
      // The token is built, decided and dropped: the engine keeps only its keyed hash.
      Request r = Request.builder("GET", "/assets").bearer("tok-" + (10_000_000 + i)).build();
      require(sluice.decide(r).allowed(), "Sluice denied a first request");
    }
    require(store.size() == KEYS, "the store holds " + store.size() + " buckets");
    return sluice;
  }

  private static Object bucket4j(String[] keys, Bandwidth... bandwidths) {
    ConcurrentHashMap<String, Bucket> map = new ConcurrentHashMap<>();
    for (String k : keys) {
      require(
          map.computeIfAbsent(k, x -> KeyedThreeWindowsBenchmark.newBucket4j(bandwidths))
              .tryConsume(1),
          "Bucket4j denied a first request");
    }
    return map;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }

  /**
   * The heap that survives a full collection. Eden is left out: right after a collection it holds
   * nothing live, only the allocating thread's fresh TLAB, which the pool reports as used whole
   * (tens of MB on a 4 GiB heap) and which would swamp the figures.
   */
  private static long usedHeapAfterGc() {
    for (int i = 0; i < 4; i++) {
      System.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && !pool.getName().contains("Eden")) {
        used += pool.getUsage().getUsed();
      }
    }
    return used;
  }

  /** The JVM's own count of live bytes ({@code jcmd GC.class_histogram}'s total): a cross-check. */
  private static long liveBytesByHistogram() {
    try {
      String histogram =
          (String)
              ManagementFactory.getPlatformMBeanServer()
                  .invoke(
                      new ObjectName("com.sun.management:type=DiagnosticCommand"),
                      "gcClassHistogram",
                      new Object[] {null},
                      new String[] {String[].class.getName()});
      String[] lines = histogram.trim().split("\n");
      String[] total = lines[lines.length - 1].trim().split("\\s+");
      return Long.parseLong(total[total.length - 1]);
    } catch (JMException e) {
      throw new IllegalStateException("cannot read the class histogram", e);
    }
  }
}
