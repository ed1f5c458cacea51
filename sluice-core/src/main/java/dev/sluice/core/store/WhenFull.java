package dev.sluice.core.store;

/**
 * What a new key gets when an in-memory structure already holds its cap of live buckets (after
 * forgetting every expired one). Keys already tracked are never affected: nobody's bucket is
 * evicted, so a flood of new keys cannot reset anyone's count.
 */
public enum WhenFull {
  /** The request is refused ({@link Verdict.Kind#FULL}; the gateway answers 503). */
  REJECT,
  /**
   * The request is evaluated against a fresh bucket that is not remembered: admitted if its cost
   * fits, counted nowhere. Availability over exactness for keys that arrive during a flood.
   */
  ADMIT_UNTRACKED,
  /**
   * The in-memory store's default. A new key gets a bucket of its own while the table holds less
   * than 90% of its cap and its client (the charge's {@link
   * Charge#origin(java.util.function.LongSupplier) origin}) is under its ceiling of new keys per
   * minute; otherwise it is counted coarsely, in the overflow bucket of its rule and client, and,
   * only when even that cannot be created, in one overflow bucket of its rule. Nothing is refused
   * and nothing tracked is evicted; the bounds are in {@link InMemoryStore}. Only {@link
   * InMemoryStore} offers it.
   */
  OVERFLOW
}
