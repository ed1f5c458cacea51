package dev.sluice.core;

import dev.sluice.core.policy.Limit;

/**
 * Where one limit stands after a decision: what the headers of a response are made of.
 *
 * @param rule the name of the rule the limit belongs to
 * @param variant the tier ({@code pro}) or {@code custom-...} whose limits the identity is counted
 *     under, or {@code null} for the rule's own limits
 * @param limit the limit
 * @param passed whether this limit could take the request's cost
 * @param remaining units left after the request (if it was admitted) or as they stand (if not)
 * @param resetAtMicros when the whole limit is available again, epoch microseconds
 * @param retryAtMicros for a limit that did not pass: the earliest time the same request would pass
 *     it, epoch microseconds, or {@link Long#MAX_VALUE} if it never can (its cost exceeds the
 *     limit); 0 for a limit that passed
 */
public record LimitStatus(
    String rule,
    String variant,
    Limit limit,
    boolean passed,
    long remaining,
    long resetAtMicros,
    long retryAtMicros) {

  /** Where a limit of a rule's own stands (no {@link #variant()}). */
  public LimitStatus(
      String rule,
      Limit limit,
      boolean passed,
      long remaining,
      long resetAtMicros,
      long retryAtMicros) {
    this(rule, null, limit, passed, remaining, resetAtMicros, retryAtMicros);
  }

  /** Whether the request's cost can never fit in this limit. */
  public boolean neverPasses() {
    return retryAtMicros == Long.MAX_VALUE;
  }
}
