package dev.sluice.core.store;

import dev.sluice.core.Ticker;
import dev.sluice.core.limit.Evaluation;
import dev.sluice.core.limit.Meter;
import dev.sluice.core.policy.Limit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

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
 * <p><b>The cap.</b> At most {@code maxBuckets} live buckets over all rules. A new identity at the
 * cap triggers a sweep, and if there is still no room gets what {@link WhenFull} says; by default
 * the request is refused ({@link Verdict.Kind#FULL}) while every identity already tracked is still
 * counted exactly. A flood of distinct keys therefore costs at most {@code maxBuckets} buckets of
 * heap and cannot evict, and so reset, anyone's bucket.
 */
public final class InMemoryStore implements Store {
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

  private InMemoryStore(Keyspace keyspace) {
    this.keyspace = keyspace;
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
   * <p>Binding a new policy keeps the buckets of every rule whose name and limits are unchanged, so
   * a reload does not reset anyone's counts; a rule whose limits changed starts afresh. The
   * replaced rule's buckets stay under the cap and the sweeps until they expire, so an engine still
   * using the old policy (requests in flight during a reload) is counted and cleaned up like any
   * other.
   */
  @Override
  public synchronized BucketGroup group(String name, List<Limit> limits) {
    for (Group g : groups) {
      if (g.table.name.equals(name) && g.table.limits.equals(limits)) {
        return g;
      }
    }
    groups.removeIf(g -> g.table.name.equals(name));
    Group g =
        new Group(
            this, new BucketTable(name, limits), nextOrdinal++); // ordinals fix the lock order
    keyspace.add(g.buckets::sweep);
    groups.add(g);
    return g;
  }

  /** Live buckets, over all rules. */
  public long size() {
    return keyspace.live();
  }

  /** New identities refused (or left untracked) because the store was full, since it started. */
  public long refusedForFull() {
    return keyspace.refused();
  }

  /** Forgets every expired bucket now, in the caller's thread (the store also does it itself). */
  public void sweep() {
    keyspace.sweepNow();
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
    for (int i = 0; i < n; i++) {
      buckets[i] = keyspace.lookup(gs[i].buckets, gs[i].table.words, charge.key(i), now);
      if (buckets[i] == null) {
        return new Verdict(Verdict.Kind.FULL, now, List.of());
      }
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
          buckets[i] = keyspace.lookup(gs[i].buckets, gs[i].table.words, charge.key(i), now);
          if (buckets[i] == null) {
            return new Verdict(Verdict.Kind.FULL, now, List.of());
          }
        }
      }
    }
    return chargeLocked(gs, buckets, charge, now, s);
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

  /** A rule's handle: its table, and its place in the lock order. */
  private static final class Group implements BucketGroup {
    final InMemoryStore owner;
    final BucketTable table;
    final LongBucketMap buckets = new LongBucketMap();
    final int ordinal;

    Group(InMemoryStore owner, BucketTable table, int ordinal) {
      this.owner = owner;
      this.table = table;
      this.ordinal = ordinal;
    }

    @Override
    public String name() {
      return table.name;
    }

    @Override
    public List<Limit> limits() {
      return table.limits;
    }
  }

  /** Configures an {@link InMemoryStore}. */
  public static final class Builder {
    private final Keyspace.Settings settings = new Keyspace.Settings();

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

    /** What a new identity gets at the cap (default {@link WhenFull#REJECT}). */
    public Builder whenFull(WhenFull whenFull) {
      settings.whenFull(whenFull);
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
      return new InMemoryStore(new Keyspace(settings));
    }
  }
}
