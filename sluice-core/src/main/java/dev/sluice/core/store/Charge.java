package dev.sluice.core.store;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The buckets one request charges: for each, its group, the hashed identity and the cost. A store
 * charges all of them or none.
 *
 * <p>A mutable, reusable buffer (the engine fills one per decision), so building it allocates
 * nothing once its arrays have grown to the policy's size.
 */
public final class Charge {
  private BucketGroup[] groups;
  private long[] keys;
  private long[] costs;
  private long[] fingerprints;
  private int size;
  private LongSupplier origin;
  private long originKey;
  private boolean originKnown;
  private boolean dryRun;

  /**
   * A store's working space for charges made on {@link #scratchOwner}'s thread, kept here so a
   * charge reused on one thread (the engine's) finds it without a thread-local lookup.
   */
  Object scratch;

  Thread scratchOwner;

  /** An empty charge with room for {@code capacity} buckets (it grows as needed). */
  public Charge(int capacity) {
    int c = Math.max(1, capacity);
    groups = new BucketGroup[c];
    keys = new long[c];
    costs = new long[c];
    fingerprints = new long[c];
  }

  /**
   * Adds a bucket: identity {@code key} (a keyed hash, never the raw identity) in {@code group},
   * charged {@code cost} units on each of the group's limits.
   *
   * @throws IllegalArgumentException if {@code cost} is negative
   */
  public Charge add(BucketGroup group, long key, long cost) {
    return add(group, key, cost, 0);
  }

  /**
   * {@link #add(BucketGroup, long, long)}, recording also the identity's fingerprint (the engine's
   * rule-independent hash of it), which stores ignore and usage reports show.
   */
  public Charge add(BucketGroup group, long key, long cost, long fingerprint) {
    if (cost < 0) { // a negative cost would hand units back
      throw new IllegalArgumentException("a cost is 0 or more, got " + cost);
    }
    if (size == groups.length) {
      groups = Arrays.copyOf(groups, size * 2);
      keys = Arrays.copyOf(keys, size * 2);
      costs = Arrays.copyOf(costs, size * 2);
      fingerprints = Arrays.copyOf(fingerprints, size * 2);
    }
    groups[size] = group;
    keys[size] = key;
    costs[size] = cost;
    fingerprints[size] = fingerprint;
    size++;
    return this;
  }

  /**
   * Empties the charge for reuse. (The groups it held stay referenced until overwritten: they live
   * as long as their engine anyway, and not clearing them saves a fill per decision.)
   */
  public Charge clear() {
    size = 0;
    originKnown = false;
    dryRun = false;
    return this;
  }

  /**
   * Who introduces the charge's identities (the client's address, hashed), computed by {@code
   * origin} only if the store needs it: when an identity has no bucket yet. The in-memory store
   * limits how many new identities one origin may introduce, and counts those it cannot track in an
   * overflow bucket per origin ({@link WhenFull#OVERFLOW}). {@code origin} answers a keyed hash, or
   * 0 for "unknown" (identities of unknown origin share one overflow bucket per rule and are not
   * under a per-origin ceiling). Without it, every origin is unknown.
   *
   * <p>A supplier rather than a value keeps the hot path (an identity already tracked) free of the
   * extra hash: the engine passes one reusable object per thread.
   */
  public Charge origin(LongSupplier origin) {
    this.origin = origin;
    this.originKnown = false;
    return this;
  }

  /** What {@link #origin(LongSupplier)} was given ({@code null}: none), to pass it on. */
  public LongSupplier originSource() {
    return origin;
  }

  /** The origin's key (0 if unknown), computed once per charge. */
  long originKey() {
    if (!originKnown) {
      originKey = origin == null ? 0 : origin.getAsLong();
      originKnown = true;
    }
    return originKey;
  }

  /**
   * Makes this a dry run ({@code true}) or a real charge (the default): a store evaluates a dry run
   * exactly as it would charge it, at the same instant and with the same verdict and figures (an
   * admitted dry run reports what would remain after it), but writes nothing, so it costs the
   * buckets nothing. {@link #clear} makes the charge a real one again.
   */
  public Charge dryRun(boolean dryRun) {
    this.dryRun = dryRun;
    return this;
  }

  /** Whether this is a dry run (see {@link #dryRun(boolean)}). */
  public boolean isDryRun() {
    return dryRun;
  }

  /** Number of buckets. */
  public int size() {
    return size;
  }

  /** The group of bucket {@code i}. */
  public BucketGroup group(int i) {
    return groups[i];
  }

  /** The hashed identity of bucket {@code i}. */
  public long key(int i) {
    return keys[i];
  }

  /** The identity fingerprint of bucket {@code i} (0 if none was recorded). */
  public long fingerprint(int i) {
    return fingerprints[i];
  }

  /** The fingerprints of the buckets, in order (a copy). */
  public long[] fingerprints() {
    return Arrays.copyOf(fingerprints, size);
  }

  /** The cost charged to bucket {@code i}. */
  public long cost(int i) {
    return costs[i];
  }
}
