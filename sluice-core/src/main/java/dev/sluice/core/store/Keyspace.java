package dev.sluice.core.store;

import dev.sluice.core.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The bounds of an in-memory structure: the cap on live buckets over all its tables, what a new key
 * gets at the cap, and the sweeps that forget expired buckets.
 *
 * <p>Sweeps run on the executor: one every {@code sweepInterval}, and, when a new key finds the cap
 * reached, one more if none started in the last second, so a flood of new keys costs at most one
 * O(buckets) pass a second. The cap is approximate by at most the number of threads inserting at
 * the same instant.
 */
final class Keyspace {
  private static final long URGENT_SWEEP_GAP_MICROS = 1_000_000;

  final Ticker ticker;
  private final long maxBuckets;
  private final WhenFull whenFull;
  private final long sweepIntervalMicros;
  private final Executor executor;
  private final AtomicLong live = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong nextSweepAt = new AtomicLong();
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private final List<Index> indexes = new CopyOnWriteArrayList<>();

  Keyspace(Settings s, WhenFull defaultWhenFull) {
    this.ticker = s.ticker != null ? s.ticker : Ticker.system();
    this.maxBuckets = s.maxBuckets;
    this.whenFull = s.whenFull != null ? s.whenFull : defaultWhenFull;
    this.sweepIntervalMicros = s.sweepInterval.toNanos() / 1_000;
    this.executor = s.executor;
    this.nextSweepAt.set(ticker.epochMicros() + sweepIntervalMicros);
  }

  /** Something holding buckets that sweeps must visit. */
  interface Index {
    /** Kills and removes the buckets expired at {@code now}; returns how many. */
    int sweep(long now);
  }

  void add(Index index) {
    indexes.add(index);
  }

  long live() {
    return live.get();
  }

  long refused() {
    return refused.get();
  }

  /**
   * The bucket for {@code key} in {@code map}, created if absent. At the cap: a fresh bucket
   * outside the map ({@link WhenFull#ADMIT_UNTRACKED}) or {@code null} ({@link WhenFull#REJECT}).
   */
  <K> long[] lookup(ConcurrentHashMap<K, long[]> map, int words, K key, long now) {
    long[] b = map.get(key);
    return b != null ? b : insert(words, now, fresh -> map.putIfAbsent(key, fresh));
  }

  /** {@link #lookup(ConcurrentHashMap, int, Object, long)} on a {@link LongBucketMap}. */
  long[] lookup(LongBucketMap map, int words, long key, long now) {
    long[] b = map.get(key);
    return b != null ? b : insert(words, now, fresh -> map.putIfAbsent(key, fresh));
  }

  /**
   * The miss path, shared by both indexes (the capturing lambda costs an allocation only for a key
   * not seen before): a fresh bucket put in with {@code putIfAbsent}, unless the cap is reached;
   * whoever lost a race to insert gets the winner's bucket.
   */
  private long[] insert(int words, long now, UnaryOperator<long[]> putIfAbsent) {
    if (atCap(now)) {
      return untracked(words, now);
    }
    long[] fresh = Buckets.fresh(words, now);
    long[] prior = putIfAbsent.apply(fresh);
    if (prior != null) {
      return prior;
    }
    inserted(now);
    return fresh;
  }

  private boolean atCap(long now) {
    if (live.get() < maxBuckets) {
      return false;
    }
    scheduleSweep(now, true);
    if (live.get() < maxBuckets) {
      return false;
    }
    refused.incrementAndGet();
    return true;
  }

  /**
   * Whether fewer than {@code cap} buckets are live, after an urgent sweep if not (at most one a
   * second). For the in-memory store's overflow mode, which decides itself what a new key gets.
   */
  boolean roomBelow(long cap, long now) {
    if (live.get() < cap) {
      return true;
    }
    scheduleSweep(now, true);
    return live.get() < cap;
  }

  /**
   * The bucket for {@code key} in {@code map}, created without looking at the cap: the caller has
   * checked it with {@link #roomBelow}. Whoever lost a race to insert gets the winner's bucket.
   */
  long[] insert(LongBucketMap map, int words, long key, long now) {
    long[] fresh = Buckets.fresh(words, now);
    long[] prior = map.putIfAbsent(key, fresh);
    if (prior != null) {
      return prior;
    }
    inserted(now);
    return fresh;
  }

  long maxBuckets() {
    return maxBuckets;
  }

  WhenFull whenFull() {
    return whenFull;
  }

  private long[] untracked(int words, long now) {
    return whenFull == WhenFull.REJECT ? null : Buckets.fresh(words, now);
  }

  private void inserted(long now) {
    live.incrementAndGet();
    scheduleSweep(now, false);
  }

  private void scheduleSweep(long now, boolean urgent) {
    long due = nextSweepAt.get();
    boolean ready =
        now >= due || (urgent && now >= due - sweepIntervalMicros + URGENT_SWEEP_GAP_MICROS);
    if (ready
        && !sweeping.get()
        && nextSweepAt.compareAndSet(due, now + sweepIntervalMicros)
        && sweeping.compareAndSet(false, true)) {
      try {
        executor.execute(this::sweepNow);
      } catch (RuntimeException rejected) {
        sweeping.set(false);
      }
    }
  }

  /** Forgets every expired bucket now, in the caller's thread. */
  void sweepNow() {
    try {
      long now = ticker.epochMicros();
      for (Index index : indexes) {
        live.addAndGet(-index.sweep(now));
      }
    } finally {
      sweeping.set(false);
    }
  }

  /** The settings every in-memory builder shares. */
  static final class Settings {
    private static final Duration MIN_SWEEP_INTERVAL = Duration.ofMillis(1);
    private static final Duration MAX_SWEEP_INTERVAL = Duration.ofDays(366 * 100);

    Ticker ticker; // null: Ticker.system(), chosen only then, so its refresh thread starts only if
    // used
    long maxBuckets = 1_000_000;
    WhenFull whenFull;
    Duration sweepInterval = Duration.ofMinutes(1);
    Executor executor = ForkJoinPool.commonPool();

    void ticker(Ticker t) {
      this.ticker = Objects.requireNonNull(t, "ticker");
    }

    void maxBuckets(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("the bucket cap must be at least 1, got " + n);
      }
      this.maxBuckets = n;
    }

    void whenFull(WhenFull w) {
      this.whenFull = Objects.requireNonNull(w, "whenFull");
    }

    void sweepInterval(Duration d) {
      Objects.requireNonNull(d, "sweepInterval");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("the sweep interval must be positive, got " + d);
      }
      // Below a millisecond it would be 0 engine microseconds (a sweep on every new key); past
      // the longest window, its microseconds could overflow the sweep schedule.
      if (d.compareTo(MIN_SWEEP_INTERVAL) < 0 || d.compareTo(MAX_SWEEP_INTERVAL) > 0) {
        throw new IllegalArgumentException(
            "the sweep interval must be between 1ms and 100 years, got " + d);
      }
      this.sweepInterval = d;
    }

    void executor(Executor e) {
      this.executor = Objects.requireNonNull(e, "executor");
    }
  }
}
