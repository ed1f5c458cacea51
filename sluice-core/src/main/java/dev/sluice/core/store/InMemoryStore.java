package dev.sluice.core.store;

import dev.sluice.core.LimitStatus;
import dev.sluice.core.Ticker;
import dev.sluice.core.limit.Evaluation;
import dev.sluice.core.limit.Meter;
import dev.sluice.core.policy.Limit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The embedded store: buckets in this JVM's heap. Thread-safe, exact, bounded.
 *
 * <h2>Implementation notes</h2>
 * <b>Layout.</b> Each rule's buckets live in their own {@link ConcurrentHashMap} from the hashed
 * identity to a bare {@code long[]}: word 0 is a header (the bucket's expiry time shifted left by
 * one, and a lock bit), then each limit's one or two words of state as its {@link Meter} defines
 * them. No per-bucket object besides the array: a bucket of one fixed-window limit costs the map
 * node (32 bytes), the boxed key (16) and a 32-byte array, about 86 bytes with the table slot;
 * three windows under one key, about 42 bytes per (key, limit).
 *
 * <p><b>Concurrency.</b> A request may charge several limits in several buckets, all or nothing.
 * Each bucket has a spin lock in its header word, taken with one CAS; a request locks its
 * buckets in a global order (rule ordinal, then key), evaluates every limit, writes the new
 * states only if all pass, and releases each lock with a single release-store of the new header.
 * A spin lock rather than a lock-free CAS on the state: the critical section is a few dozen
 * instructions with no allocation, a multi-word CAS or a copy-on-write snapshot would cost more
 * than it saves, and the lock makes several limits (and several buckets) atomic at once. A
 * waiter spins briefly, then yields, so a descheduled holder costs a waiter CPU, not correctness.
 * Lock ordering rules out deadlock.
 *
 * <p><b>Expiry.</b> A bucket's header holds the time after which its state no longer matters
 * (the latest {@link Evaluation#expiresAt} of its limits). A sweep, run on the executor every
 * {@code sweepInterval} and whenever the store is full, locks each expired bucket, marks it dead
 * (header {@code -1}) and removes it. A charge that finds a dead bucket looks it up again, so a
 * sweep can never lose a charge. Meters read expired state exactly as they read a fresh bucket,
 * so forgetting never changes a decision.
 *
 * <p><b>The cap.</b> At most {@code maxBuckets} live buckets (approximately: concurrent inserts
 * may pass it by the number of inserting threads). When a new identity arrives at the cap, the
 * store first schedules a sweep, and if there is still no room it does what {@link WhenFull}
 * says: by default, the request is refused ({@link Verdict.Kind#FULL}) while every identity
 * already tracked keeps being counted exactly. A flood of distinct keys therefore costs at most
 * {@code maxBuckets} buckets of heap and cannot evict (and so reset) anyone's bucket.
 */
public final class InMemoryStore implements Store {

  /** What a new identity gets when the store holds {@code maxBuckets} live buckets. */
  public enum WhenFull {
    /** The request is refused ({@link Verdict.Kind#FULL}; the gateway answers 503). */
    REJECT,
    /**
     * The request is evaluated against a fresh, unremembered bucket: admitted if its cost fits,
     * counted nowhere. Availability over exactness for identities that arrive during a flood.
     */
    ADMIT_UNTRACKED
  }

  private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final long DEAD = -1L;
  private static final int SPINS_BEFORE_YIELD = 64;
  private static final long URGENT_SWEEP_GAP_MICROS = 1_000_000;

  private final Ticker ticker;
  private final long maxBuckets;
  private final WhenFull whenFull;
  private final long sweepIntervalMicros;
  private final Executor executor;
  private final AtomicLong live = new AtomicLong();
  private final AtomicLong nextSweepAt = new AtomicLong();
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private final AtomicLong refusedForFull = new AtomicLong();
  private final List<Group> groups = new java.util.concurrent.CopyOnWriteArrayList<>();
  private int nextOrdinal;

  private InMemoryStore(Builder b) {
    this.ticker = b.ticker;
    this.maxBuckets = b.maxBuckets;
    this.whenFull = b.whenFull;
    this.sweepIntervalMicros = b.sweepInterval.toNanos() / 1_000;
    this.executor = b.executor;
    this.nextSweepAt.set(ticker.epochMicros() + sweepIntervalMicros);
  }

  /** A store with the defaults: system ticker, 1,000,000 buckets, {@link WhenFull#REJECT}. */
  public static InMemoryStore create() {
    return builder().build();
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Binding a new policy keeps the buckets of every rule whose name and limits are unchanged,
   * so a reload does not reset anyone's counts; a rule whose limits changed starts afresh.
   */
  @Override
  public synchronized BucketGroup group(String name, List<Limit> limits) {
    for (Group g : groups) {
      if (g.name.equals(name) && g.limits.equals(limits)) {
        return g;
      }
    }
    groups.removeIf(g -> {
      if (g.name.equals(name)) {
        live.addAndGet(-g.table.size());
        return true;
      }
      return false;
    });
    Group g = new Group(this, name, limits, nextOrdinal++);
    groups.add(g);
    return g;
  }

  /** Live buckets, over all groups. */
  public long size() {
    return live.get();
  }

  /** Requests refused because the store was full (for metrics). */
  public long refusedForFull() {
    return refusedForFull.get();
  }

  @Override
  public Verdict charge(Charge charge) {
    int n = charge.size();
    long now = ticker.epochMicros();
    if (n == 0) {
      return new Verdict(Verdict.Kind.ADMITTED, now, List.of());
    }
    Group[] gs = new Group[n];
    long[][] buckets = new long[n][];
    for (int i = 0; i < n; i++) {
      gs[i] = cast(charge.group(i));
      buckets[i] = lookup(gs[i], charge.key(i), now);
      if (buckets[i] == null) {
        refusedForFull.incrementAndGet();
        return new Verdict(Verdict.Kind.FULL, now, List.of());
      }
    }
    int[] order = lockOrder(gs, charge, n);
    while (!lockAll(buckets, order)) {
      for (int i = 0; i < n; i++) { // a sweep took one away; take the live one
        if ((long) WORDS.getVolatile(buckets[i], 0) == DEAD) {
          buckets[i] = lookup(gs[i], charge.key(i), now);
          if (buckets[i] == null) {
            refusedForFull.incrementAndGet();
            return new Verdict(Verdict.Kind.FULL, now, List.of());
          }
        }
      }
    }
    return chargeLocked(gs, buckets, charge, now);
  }

  /** Evaluates every limit; commits all or none; unlocks. */
  private Verdict chargeLocked(Group[] gs, long[][] buckets, Charge charge, long now) {
    int n = gs.length;
    int total = 0;
    for (Group g : gs) {
      total += g.meters.length;
    }
    Evaluation[] evals = new Evaluation[total];
    boolean admitted = true;
    int k = 0;
    for (int i = 0; i < n; i++) {
      Group g = gs[i];
      for (int j = 0; j < g.meters.length; j++, k++) {
        Evaluation e = evals[k] = new Evaluation();
        g.meters[j].evaluate(buckets[i], g.offsets[j], charge.cost(i), now, e);
        admitted &= e.allowed;
      }
    }
    List<LimitStatus> statuses = new ArrayList<>(total);
    k = 0;
    for (int i = 0; i < n; i++) {
      Group g = gs[i];
      long[] b = buckets[i];
      long expiry = (long) WORDS.get(b, 0) >>> 1;
      long cost = charge.cost(i);
      for (int j = 0; j < g.meters.length; j++, k++) {
        Evaluation e = evals[k];
        if (admitted) {
          g.meters[j].commit(b, g.offsets[j], e);
          expiry = Math.max(expiry, e.expiresAt);
          statuses.add(new LimitStatus(g.name, g.limits.get(j), true, e.remaining, e.resetAt, 0));
        } else if (e.allowed) {
          statuses.add(new LimitStatus(g.name, g.limits.get(j), true, e.remaining + cost, e.standingReset, 0));
        } else {
          statuses.add(new LimitStatus(g.name, g.limits.get(j), false, e.remaining, e.resetAt, e.retryAt));
        }
      }
      WORDS.setRelease(b, 0, expiry << 1); // unlock
    }
    return new Verdict(admitted ? Verdict.Kind.ADMITTED : Verdict.Kind.DENIED, now, statuses);
  }

  /** The bucket for {@code key}, created if absent; {@code null} if the store is full. */
  private long[] lookup(Group g, long key, long now) {
    long[] b = g.table.get(key);
    if (b != null) {
      return b;
    }
    if (live.get() >= maxBuckets) {
      scheduleSweep(now, true);
      if (live.get() >= maxBuckets) {
        return whenFull == WhenFull.REJECT ? null : new long[g.words];
      }
    }
    long[] fresh = new long[g.words];
    long[] prior = g.table.putIfAbsent(key, fresh);
    if (prior != null) {
      return prior;
    }
    live.incrementAndGet();
    scheduleSweep(now, false);
    return fresh;
  }

  private static int[] lockOrder(Group[] gs, Charge charge, int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = 1; i < n; i++) { // insertion sort: n is the number of rules a request hits
      int x = order[i];
      int j = i - 1;
      while (j >= 0 && before(gs, charge, x, order[j])) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = x;
    }
    return order;
  }

  private static boolean before(Group[] gs, Charge charge, int a, int b) {
    if (gs[a].ordinal != gs[b].ordinal) {
      return gs[a].ordinal < gs[b].ordinal;
    }
    return charge.key(a) < charge.key(b);
  }

  /** Locks every bucket in order; if one is dead, releases those taken and returns false. */
  private static boolean lockAll(long[][] buckets, int[] order) {
    for (int i = 0; i < order.length; i++) {
      if (!lock(buckets[order[i]])) {
        for (int j = 0; j < i; j++) {
          long[] b = buckets[order[j]];
          WORDS.setRelease(b, 0, (long) WORDS.get(b, 0) & ~1L);
        }
        return false;
      }
    }
    return true;
  }

  private static boolean lock(long[] bucket) {
    for (int spins = 0; ; spins++) {
      long header = (long) WORDS.getVolatile(bucket, 0);
      if (header == DEAD) {
        return false;
      }
      if ((header & 1) == 0 && WORDS.compareAndSet(bucket, 0, header, header | 1)) {
        return true;
      }
      if (spins < SPINS_BEFORE_YIELD) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
  }

  /**
   * Starts a sweep on the executor when one is due, or, when the store is full, if none has
   * started in the last second (so a flood of new keys costs at most one sweep a second).
   */
  private void scheduleSweep(long now, boolean urgent) {
    long due = nextSweepAt.get();
    boolean ready = now >= due || (urgent && now >= due - sweepIntervalMicros + URGENT_SWEEP_GAP_MICROS);
    if (ready && !sweeping.get() && nextSweepAt.compareAndSet(due, now + sweepIntervalMicros)) {
      if (sweeping.compareAndSet(false, true)) {
        try {
          executor.execute(this::sweep);
        } catch (RuntimeException rejected) {
          sweeping.set(false);
        }
      }
    }
  }

  /** Forgets every bucket whose state no longer matters. Normally run by the store itself. */
  public void sweep() {
    try {
      long now = ticker.epochMicros();
      for (Group g : groups) {
        for (var it = g.table.entrySet().iterator(); it.hasNext(); ) {
          var entry = it.next();
          long[] b = entry.getValue();
          long header = (long) WORDS.getVolatile(b, 0);
          if (header == DEAD || (header & 1) != 0 || (header >>> 1) > now) {
            continue;
          }
          if (WORDS.compareAndSet(b, 0, header, DEAD)) {
            g.table.remove(entry.getKey(), b);
            live.decrementAndGet();
          }
        }
      }
    } finally {
      sweeping.set(false);
    }
  }

  private Group cast(BucketGroup g) {
    if (g instanceof Group group && group.owner == this) {
      return group;
    }
    throw new IllegalArgumentException("bucket group '" + g.name() + "' belongs to another store");
  }

  @Override
  public String toString() {
    return "InMemoryStore[" + live.get() + " buckets, cap " + maxBuckets + ", when full " + whenFull + "]";
  }

  /** One rule's buckets. */
  private static final class Group implements BucketGroup {
    final String name;
    final List<Limit> limits;
    final Meter[] meters;
    final int[] offsets;
    final int words;
    final int ordinal;
    final InMemoryStore owner;
    final ConcurrentHashMap<Long, long[]> table = new ConcurrentHashMap<>();

    Group(InMemoryStore owner, String name, List<Limit> limits, int ordinal) {
      this.owner = owner;
      this.name = Objects.requireNonNull(name);
      this.limits = List.copyOf(limits);
      this.ordinal = ordinal;
      this.meters = new Meter[this.limits.size()];
      this.offsets = new int[meters.length];
      int w = 1; // header
      for (int i = 0; i < meters.length; i++) {
        meters[i] = Meter.of(this.limits.get(i));
        offsets[i] = w;
        w += meters[i].words();
      }
      this.words = w;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public List<Limit> limits() {
      return limits;
    }

    @Override
    public String toString() {
      return "group " + name + " " + Arrays.toString(meters);
    }
  }

  /** Configures an {@link InMemoryStore}. */
  public static final class Builder {
    private Ticker ticker = Ticker.system();
    private long maxBuckets = 1_000_000;
    private WhenFull whenFull = WhenFull.REJECT;
    private Duration sweepInterval = Duration.ofMinutes(1);
    private Executor executor = ForkJoinPool.commonPool();

    private Builder() {}

    /** The clock (default {@link Ticker#system()}). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker);
      return this;
    }

    /** The cap on live buckets over all rules (default 1,000,000). */
    public Builder maxBuckets(long maxBuckets) {
      if (maxBuckets < 1) {
        throw new IllegalArgumentException("maxBuckets must be at least 1, got " + maxBuckets);
      }
      this.maxBuckets = maxBuckets;
      return this;
    }

    /** What a new identity gets at the cap (default {@link WhenFull#REJECT}). */
    public Builder whenFull(WhenFull whenFull) {
      this.whenFull = Objects.requireNonNull(whenFull);
      return this;
    }

    /** How often expired buckets are swept (default 1 minute). */
    public Builder sweepInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("sweep interval must be positive");
      }
      this.sweepInterval = interval;
      return this;
    }

    /** Where sweeps run (default the common fork-join pool; tests pass {@code Runnable::run}). */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor);
      return this;
    }

    /** The store. */
    public InMemoryStore build() {
      return new InMemoryStore(this);
    }
  }
}
