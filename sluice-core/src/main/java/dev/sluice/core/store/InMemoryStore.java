package dev.sluice.core.store;

import dev.sluice.core.Ticker;
import dev.sluice.core.limit.Evaluation;
import dev.sluice.core.limit.Meter;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The embedded store: buckets in this JVM's heap. Thread-safe, exact, bounded.
 *
 * <h2>Implementation notes</h2>
 *
 * <b>Layout.</b> Each rule's buckets live in their own {@link LongBucketMap}, an open-addressing
 * index from the hashed identity to a bare {@code long[]}: a header word (expiry and lock bit),
 * then each limit's one or two words of state as its {@link Meter} defines them (see {@link
 * Buckets}). No per-bucket object besides the array, no boxed key: a bucket of one fixed-window
 * limit costs its 32-byte array and about 20 bytes of index. BENCHMARKS.md has the measured
 * figures.
 *
 * <p><b>Concurrency.</b> A request may charge several limits in several buckets, all or nothing.
 * Each bucket has a spin lock in its header word, taken with one CAS; a request locks its buckets
 * in one global order (rule, then key), evaluates every limit, writes the new states only if all
 * pass, and releases each lock with one release-store of the new header. Why a spin lock and not a
 * lock-free CAS on the state: the critical section is a few dozen instructions with no allocation
 * and no I/O; a lock-free design for several words needs either a multi-word CAS or a copy-on-write
 * snapshot per decision (an allocation on every request), and neither makes several buckets atomic
 * together. A waiter spins briefly, then yields, so a descheduled holder costs a waiter CPU time,
 * never correctness; the global order rules out deadlock.
 *
 * <p><b>Expiry.</b> A bucket's header holds the time after which its state no longer matters (the
 * latest {@link Evaluation#expiresAt} of its limits). Sweeps (every {@code sweepInterval}, and when
 * full) mark each expired, unlocked bucket dead with a CAS and remove it; a charge that finds a
 * dead bucket looks its key up again, so a sweep never loses a charge. Meters read expired state
 * exactly as a fresh bucket, so forgetting never changes a decision.
 *
 * <p><b>The cap, and what a new identity gets near it ({@link WhenFull#OVERFLOW}, the default).</b>
 * At most {@code maxBuckets} live buckets over all rules, plus one shared overflow bucket per rule.
 * A bucket already tracked is never evicted and never refused, so every limit that holds for an
 * identity already counted keeps holding exactly, whatever others send. A new identity (a key with
 * no bucket in its rule) is given, in this order:
 *
 * <ol>
 *   <li>a bucket of its own, if the table holds fewer than {@code identityCap = maxBuckets -
 *       maxBuckets / 10} buckets (a sweep runs first if not, at most one a second) and its origin
 *       (the client address that introduced it, see {@link Charge#origin}) has introduced fewer
 *       than {@code maxNewPerOrigin} new identities in the current minute (a fixed window per
 *       origin, itself a bucket of the table; 0 turns the ceiling off);
 *   <li>otherwise the <em>overflow bucket of its rule and origin</em>, created if need be while the
 *       table holds fewer than {@code maxBuckets}: every identity of that rule the origin cannot
 *       have tracked shares it, under the rule's own limits;
 *   <li>otherwise (the last tenth of the table is full too, or the origin is unknown) the
 *       <em>shared overflow bucket of its rule</em>, which always exists.
 * </ol>
 *
 * <p>Bounds. Memory: at most {@code maxBuckets} buckets (approximate by the threads inserting at
 * one instant) plus one per rule. Limits, for a rule with limit {@code L} per window: an identity
 * with a bucket of its own is counted exactly (at most {@code L}); all the identities of one origin
 * counted in overflow share at most {@code L} between them, and those in the shared bucket too; so
 * an identity may exceed {@code L} in a window only by being counted in more than one place, at
 * most {@code L} for its own bucket plus {@code L} per overflow bucket it was charged to (one per
 * address it came from while untracked, plus the shared one). One address flooding new identities
 * introduces at most {@code maxNewPerOrigin} buckets a minute and then competes only with itself
 * for its overflow bucket; other clients keep their own buckets until the table holds {@code
 * identityCap}, and are then counted per address, never refused.
 *
 * <p>{@link WhenFull#REJECT} and {@link WhenFull#ADMIT_UNTRACKED} keep the older behaviour: no
 * ceiling, no reserve; at {@code maxBuckets} a new identity is refused ({@link Verdict.Kind#FULL})
 * or evaluated against a fresh bucket nobody remembers.
 */
public final class InMemoryStore implements Store {
  /** The default ceiling on new identities one origin may introduce per minute. */
  public static final long DEFAULT_MAX_NEW_PER_ORIGIN = 100;

  /** Per thread: the states a charge will write, while its other limits are evaluated. */
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /**
   * A thread's buffers for one charge at a time: the buckets, their lock order, the staged new
   * states and the evaluation of one limit. Only the verdict's own arrays are allocated per charge.
   */
  private static final class Scratch {
    long[][] buckets = new long[4][];
    int[] order = new int[4];
    long[] next = new long[32];
    final Evaluation evaluation = new Evaluation();

    /** The groups of the last charge, handed to its verdict: never written once handed out. */
    Group[] lastGroups = new Group[0];

    void ensure(int n) {
      if (buckets.length < n) {
        buckets = new long[n][];
        order = new int[n];
      }
    }

    /**
     * The charge's groups as an array its verdict may keep: the last charge's array when the groups
     * are the same (a thread deciding one endpoint charges the same groups every time), else a new
     * one.
     */
    Group[] groups(Charge charge, int n, InMemoryStore store) {
      Group[] last = lastGroups;
      if (last.length == n && last[0].owner == store) { // the scratch serves every store
        int i = 0;
        while (i < n && last[i] == charge.group(i)) {
          i++;
        }
        if (i == n) {
          return last;
        }
      }
      Group[] gs = new Group[n];
      for (int i = 0; i < n; i++) {
        gs[i] = store.cast(charge.group(i));
      }
      return lastGroups = gs;
    }
  }

  /** This thread's scratch, found through the charge when the charge is reused on this thread. */
  private static Scratch scratch(Charge charge) {
    Thread me = Thread.currentThread();
    if (charge.scratchOwner == me && charge.scratch instanceof Scratch s) {
      return s;
    }
    Scratch s = SCRATCH.get();
    charge.scratch = s;
    charge.scratchOwner = me;
    return s;
  }

  private final Keyspace keyspace;
  private final List<Group> groups = new ArrayList<>();
  private int nextOrdinal;
  private final boolean overflow;
  private final long identityCap;

  /** Per origin: the new identities it introduced this minute ({@code null}: no ceiling). */
  private final BucketTable originTable;

  private final LongBucketMap origins = new LongBucketMap();

  /** Identities not given a bucket of their own, by group name, indexed by {@link Overflow}. */
  private final ConcurrentHashMap<String, AtomicLongArray> overflows = new ConcurrentHashMap<>();

  private InMemoryStore(Keyspace keyspace, long maxNewPerOrigin) {
    this.keyspace = keyspace;
    this.overflow = keyspace.whenFull() == WhenFull.OVERFLOW;
    long max = keyspace.maxBuckets();
    this.identityCap = overflow ? max - max / 10 : max;
    this.originTable =
        overflow && maxNewPerOrigin > 0
            ? new BucketTable(
                "new-identities-per-origin",
                List.of(
                    Limit.fixed(
                        "new-identities", maxNewPerOrigin, Window.of(Duration.ofMinutes(1)))))
            : null;
    keyspace.add(origins::sweep);
  }

  /** What became of a new identity that did not get a bucket of its own (see the class comment). */
  public enum Overflow {
    /** Its origin was over its ceiling of new identities: counted in its origin's bucket. */
    CEILING("ceiling"),
    /** The table was past its identity cap: counted in its origin's overflow bucket. */
    RESERVE("reserve"),
    /** Counted in its rule's shared overflow bucket (table full, or origin unknown). */
    SHARED("shared"),
    /** Refused ({@link WhenFull#REJECT}, or a charge naming two new keys of one rule). */
    REFUSED("refused"),
    /** Evaluated against a fresh bucket, not remembered ({@link WhenFull#ADMIT_UNTRACKED}). */
    UNTRACKED("untracked");

    private final String label;

    Overflow(String label) {
      this.label = label;
    }

    /** The name metrics use. */
    public String label() {
      return label;
    }
  }

  /** A store with the defaults: system ticker, 1,000,000 buckets, {@link WhenFull#OVERFLOW}. */
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
   * <p>Binding a new policy keeps the buckets of every rule whose name and limits are unchanged, so
   * a reload does not reset anyone's counts; a rule whose limits changed starts afresh. The
   * replaced rule's buckets stay under the cap and the sweeps until they expire, so an engine still
   * using the old policy (requests in flight during a reload) is counted and cleaned up like any
   * other.
   */
  @Override
  public synchronized BucketGroup group(GroupName name, List<Limit> limits) {
    for (Group g : groups) {
      if (g.name.equals(name) && g.table.limits.equals(limits)) {
        return g;
      }
    }
    groups.removeIf(g -> g.name.equals(name));
    Group g =
        new Group(
            this,
            name,
            new BucketTable(name.key(), limits),
            nextOrdinal++); // ordinals fix the lock order
    keyspace.add(g.buckets::sweep);
    keyspace.add(g.overflow::sweep);
    groups.add(g);
    return g;
  }

  /** Live buckets, over all rules. */
  public long size() {
    return keyspace.live();
  }

  /** The cap on live buckets over all rules ({@code maxBuckets}). */
  public long capacity() {
    return keyspace.maxBuckets();
  }

  /**
   * How many buckets new identities may take before they are counted per origin: {@code maxBuckets}
   * less a tenth kept for overflow buckets ({@link WhenFull#OVERFLOW}), else the cap.
   */
  public long identityCapacity() {
    return identityCap;
  }

  /** New identities refused (or left untracked) because the store was full, since it started. */
  public long refusedForFull() {
    return overflow ? total(Overflow.REFUSED) : keyspace.refused();
  }

  /**
   * Since the store started, per rule (its tiers' and overrides' buckets included) and {@link
   * Overflow}: how many new identities did not get a bucket of their own. A snapshot.
   */
  public Map<String, Map<Overflow, Long>> overflows() {
    Map<String, Map<Overflow, Long>> out = new TreeMap<>();
    overflows.forEach(
        (group, counts) -> {
          Map<Overflow, Long> m = new EnumMap<>(Overflow.class);
          for (Overflow o : Overflow.values()) {
            long n = counts.get(o.ordinal());
            if (n > 0) {
              m.put(o, n);
            }
          }
          out.put(group, m);
        });
    return out;
  }

  private long total(Overflow o) {
    long n = 0;
    for (AtomicLongArray counts : overflows.values()) {
      n += counts.get(o.ordinal());
    }
    return n;
  }

  private void count(Group g, Overflow o) {
    overflows
        .computeIfAbsent(g.name.rule(), k -> new AtomicLongArray(Overflow.values().length))
        .incrementAndGet(o.ordinal());
  }

  /** Forgets every expired bucket now, in the caller's thread (the store also does it itself). */
  public void sweep() {
    keyspace.sweepNow();
  }

  /** {@code false}: a charge takes a few hundred nanoseconds and never waits on I/O. */
  @Override
  public boolean blocks() {
    return false;
  }

  @Override
  public Verdict charge(Charge charge) {
    int n = charge.size();
    long now = keyspace.ticker.epochMicros();
    if (n == 0) {
      return new Verdict(Verdict.Kind.ADMITTED, now, List.of());
    }
    Scratch s = scratch(charge);
    s.ensure(n);
    Group[] gs = s.groups(charge, n, this);
    long[][] buckets = s.buckets;
    boolean anyNew = false;
    for (int i = 0; i < n; i++) {
      long[] b = gs[i].buckets.get(charge.key(i));
      if (b == null) { // a new identity: off the hot path
        b = admit(gs[i], charge, i, now);
        if (b == null) {
          return new Verdict(Verdict.Kind.FULL, now, List.of());
        }
        anyNew = true;
      }
      buckets[i] = b;
    }
    if (anyNew && sharesABucket(gs, buckets, charge, n)) {
      return new Verdict(Verdict.Kind.FULL, now, List.of());
    }
    int[] order = lockOrder(gs, charge, n, s.order);
    for (int i = 1; i < n; i++) {
      int a = order[i - 1];
      int b = order[i];
      if (gs[a] == gs[b] && charge.key(a) == charge.key(b)) {
        throw new IllegalArgumentException(
            "the charge names bucket " + charge.key(a) + " of rule '" + gs[a].name() + "' twice");
      }
    }
    while (!lockAll(buckets, order, n)) {
      for (int i = 0; i < n; i++) { // a sweep removed one: take the live bucket for its key
        if ((long) Buckets.WORDS.getVolatile(buckets[i], 0) == Buckets.DEAD) {
          long[] b = gs[i].buckets.get(charge.key(i));
          buckets[i] = b != null ? b : admit(gs[i], charge, i, now);
          if (buckets[i] == null) {
            return new Verdict(Verdict.Kind.FULL, now, List.of());
          }
        }
      }
    }
    return chargeLocked(gs, buckets, charge, now, s);
  }

  /**
   * The bucket a new identity (key {@code i} of {@code charge}, not in its group's map) is counted
   * in, as the class comment says; {@code null} if it is refused.
   */
  private long[] admit(Group g, Charge charge, int i, long now) {
    long key = charge.key(i);
    int words = g.table.words;
    if (!overflow) {
      long[] b = keyspace.lookup(g.buckets, words, key, now);
      if (b == null || g.buckets.get(key) != b) {
        count(g, b == null ? Overflow.REFUSED : Overflow.UNTRACKED);
      }
      return b;
    }
    if (keyspace.roomBelow(identityCap, now)) {
      long origin = originTable == null ? 0 : charge.originKey();
      if (origin == 0 || withinCeiling(origin, now)) {
        return keyspace.insert(g.buckets, words, key, now);
      }
      return overflowBucket(g, origin, Overflow.CEILING, now);
    }
    return overflowBucket(g, charge.originKey(), Overflow.RESERVE, now);
  }

  /** Counts one new identity against {@code origin}'s ceiling; whether it was within it. */
  private boolean withinCeiling(long origin, long now) {
    while (true) {
      long[] b = origins.get(origin);
      if (b == null) {
        b = keyspace.insert(origins, originTable.words, origin, now);
      }
      if (Buckets.lock(b)) {
        return originTable.chargeAndUnlock(b, 1, now);
      } // else a sweep removed it: look again
    }
  }

  /** The overflow bucket of {@code origin} in {@code g}, else {@code g}'s shared one. */
  private long[] overflowBucket(Group g, long origin, Overflow why, long now) {
    if (origin != 0) {
      long[] b = g.overflow.get(origin);
      if (b == null && keyspace.roomBelow(keyspace.maxBuckets(), now)) {
        b = keyspace.insert(g.overflow, g.table.words, origin, now);
      }
      if (b != null) {
        count(g, why);
        return b;
      }
    }
    count(g, Overflow.SHARED);
    return g.shared;
  }

  /**
   * Whether two entries of a charge were resolved to one bucket (two new keys of one rule counted
   * in one overflow bucket): charging it twice under one lock cannot be done, so such a charge is
   * refused. The engine never makes one: it charges one bucket per rule.
   */
  private boolean sharesABucket(Group[] gs, long[][] buckets, Charge charge, int n) {
    for (int a = 0; a < n; a++) {
      for (int b = a + 1; b < n; b++) {
        if (buckets[a] == buckets[b] && charge.key(a) != charge.key(b)) { // else: the check below
          count(gs[b], Overflow.REFUSED);
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Evaluates every limit; commits all or none; unlocks. Each limit is evaluated once: its figures
   * go to the verdict, and the state it would write (and its reset, should the request end up
   * denied by another limit) to this thread's scratch array; the new states are written only once
   * every limit has passed, and never for a dry run. One scratch array per thread instead of one
   * {@link Evaluation} per limit per request.
   */
  private static Verdict chargeLocked(
      Group[] gs, long[][] buckets, Charge charge, long now, Scratch s) {
    int total = 0;
    for (Group g : gs) {
      total += g.table.meters.length;
    }
    long[] next = s.next;
    if (next.length < 4 * total) {
      s.next = next = new long[4 * total];
    }
    long[] figures = new long[3 * total]; // see Verdict.packed
    Evaluation e = s.evaluation;
    boolean admitted = true;
    boolean write = !charge.isDryRun();
    for (int i = 0, k = 0; i < gs.length; i++) {
      BucketTable t = gs[i].table;
      Buckets.clearIfExpired(buckets[i], now); // forgetting expired state changes no decision
      for (int j = 0; j < t.meters.length; j++, k++) {
        t.meters[j].evaluate(buckets[i], t.offsets[j], charge.cost(i), now, e);
        admitted &= e.allowed;
        figures[3 * k] = e.remaining;
        figures[3 * k + 1] = e.resetAt;
        figures[3 * k + 2] = e.allowed ? 0 : e.retryAt;
        next[4 * k] = e.next0;
        next[4 * k + 1] = e.next1;
        next[4 * k + 2] = e.expiresAt;
        next[4 * k + 3] = e.standingReset;
      }
    }
    for (int i = 0, k = 0; i < gs.length; i++) {
      BucketTable t = gs[i].table;
      long[] b = buckets[i];
      long expiry = Buckets.expiry(b);
      for (int j = 0; j < t.meters.length; j++, k++) {
        if (admitted) {
          if (write) {
            int off = t.offsets[j];
            b[off] = next[4 * k];
            if (t.meters[j].words() == 2) {
              b[off + 1] = next[4 * k + 1];
            }
            expiry = Math.max(expiry, next[4 * k + 2]);
          }
        } else if (figures[3 * k + 2] == 0) { // passed, but not charged: report it as it stands
          figures[3 * k] += charge.cost(i);
          figures[3 * k + 1] = next[4 * k + 3];
        }
      }
      Buckets.unlock(b, expiry);
    }
    return Verdict.packed(admitted ? Verdict.Kind.ADMITTED : Verdict.Kind.DENIED, now, gs, figures);
  }

  private static int[] lockOrder(Group[] gs, Charge charge, int n, int[] order) {
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
  private static boolean lockAll(long[][] buckets, int[] order, int n) {
    for (int i = 0; i < n; i++) {
      if (!Buckets.lock(buckets[order[i]])) {
        for (int j = 0; j < i; j++) {
          long[] b = buckets[order[j]];
          Buckets.unlock(b, Buckets.expiry(b));
        }
        return false;
      }
    }
    return true;
  }

  private Group cast(BucketGroup g) {
    if (g instanceof Group group && group.owner == this) {
      return group;
    }
    throw new IllegalArgumentException("bucket group '" + g.name() + "' belongs to another store");
  }

  @Override
  public String toString() {
    return "InMemoryStore[" + keyspace.live() + " buckets]";
  }

  /**
   * A rule's handle: its table, its buckets, its overflow buckets (one per origin) and its shared
   * overflow bucket (never in a map, so never swept: a stale state reads as fresh), and its place
   * in the lock order.
   */
  private static final class Group implements BucketGroup {
    final InMemoryStore owner;
    final GroupName name;
    final BucketTable table;
    final LongBucketMap buckets = new LongBucketMap();
    final LongBucketMap overflow = new LongBucketMap();
    final long[] shared;
    final int ordinal;

    Group(InMemoryStore owner, GroupName name, BucketTable table, int ordinal) {
      this.owner = owner;
      this.name = name;
      this.table = table;
      this.ordinal = ordinal;
      this.shared = Buckets.fresh(table.words, 0);
    }

    @Override
    public GroupName name() {
      return name;
    }

    @Override
    public List<Limit> limits() {
      return table.limits;
    }
  }

  /** Configures an {@link InMemoryStore}. */
  public static final class Builder {
    private final Keyspace.Settings settings = new Keyspace.Settings();
    private long maxNewPerOrigin = DEFAULT_MAX_NEW_PER_ORIGIN;

    private Builder() {}

    /** The clock (default {@link Ticker#system()}). */
    public Builder ticker(Ticker ticker) {
      settings.ticker(ticker);
      return this;
    }

    /** The cap on live buckets over all rules (default 1,000,000). */
    public Builder maxBuckets(long maxBuckets) {
      settings.maxBuckets(maxBuckets);
      return this;
    }

    /** What a new identity gets near or at the cap (default {@link WhenFull#OVERFLOW}). */
    public Builder whenFull(WhenFull whenFull) {
      settings.whenFull(whenFull);
      return this;
    }

    /**
     * With {@link WhenFull#OVERFLOW}: how many new identities one origin (client address) may
     * introduce per minute before the rest are counted in its overflow buckets (default {@value
     * #DEFAULT_MAX_NEW_PER_ORIGIN}; 0: no ceiling).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxNewIdentitiesPerOrigin(long perMinute) {
      if (perMinute < 0) {
        throw new IllegalArgumentException(
            "the ceiling on new identities per client must be 0 (none) or more, got " + perMinute);
      }
      this.maxNewPerOrigin = perMinute;
      return this;
    }

    /**
     * How often expired buckets are swept (default 1 minute).
     *
     * @throws IllegalArgumentException unless from 1 ms to 100 years
     */
    public Builder sweepInterval(Duration interval) {
      settings.sweepInterval(interval);
      return this;
    }

    /** Where sweeps run (default the common fork-join pool; tests pass {@code Runnable::run}). */
    public Builder executor(Executor executor) {
      settings.executor(executor);
      return this;
    }

    /** The store. */
    public InMemoryStore build() {
      return new InMemoryStore(new Keyspace(settings, WhenFull.OVERFLOW), maxNewPerOrigin);
    }
  }
}
