package dev.sluice.core.store;

import dev.sluice.core.LimitStatus;
import java.util.List;

/**
 * What a store answers to a {@link Charge}.
 *
 * @param kind whether the charge was made, refused, or could not be tracked
 * @param nowMicros the store's time at the decision (the store's clock is authoritative: Redis
 *     uses its own, so instances with skewed clocks agree)
 * @param statuses one per limit, bucket by bucket in the order of the charge, limits in each
 *     bucket's group order; empty for {@link Kind#FULL}
 */
public record Verdict(Kind kind, long nowMicros, List<LimitStatus> statuses) {

  /** The kinds of answer. */
  public enum Kind {
    /** Every limit passed and every bucket was charged. */
    ADMITTED,
    /** At least one limit did not pass; nothing was charged. */
    DENIED,
    /**
     * The store is at its bucket cap and could not create a bucket for a new identity; nothing
     * was charged (see {@link WhenFull}).
     */
    FULL
  }

  /** Whether the request was admitted. */
  public boolean admitted() {
    return kind == Kind.ADMITTED;
  }
}
