package dev.sluice.core.limit;

/**
 * The outcome of evaluating one limit against one request, and the state to write if the request is
 * admitted. A mutable scratch object so the hot path allocates nothing per limit; stores reuse one
 * per limit of a request.
 *
 * <p>All times are epoch microseconds.
 */
public final class Evaluation {
  /** {@link #retryAt} of a request that can never pass (its cost exceeds the limit's capacity). */
  public static final long NEVER = Long.MAX_VALUE;

  /** Whether this limit can take the request's cost now. */
  public boolean allowed;

  /** Units left: after this charge if allowed, as they stand if denied; never negative. */
  public long remaining;

  /** When the whole limit is available again (absent further requests). */
  public long resetAt;

  /** For a denial: the earliest time the same cost would pass this limit, or {@link #NEVER}. */
  public long retryAt;

  /**
   * When the whole limit is available again if the request is <em>not</em> charged (because another
   * limit denied it): the reset as the state stands.
   */
  public long standingReset;

  /** The state words to write if the request is admitted. */
  public long next0;

  /** Second state word, for meters that keep two. */
  public long next1;

  /** When the state, once written, no longer matters and the bucket can be forgotten. */
  public long expiresAt;

  void allow(long remaining, long resetAt, long standingReset, long expiresAt) {
    this.allowed = true;
    this.remaining = remaining;
    this.resetAt = resetAt;
    this.standingReset = standingReset;
    this.retryAt = 0;
    this.expiresAt = expiresAt;
  }

  void deny(long remaining, long resetAt, long retryAt) {
    this.allowed = false;
    this.remaining = Math.max(0, remaining);
    this.resetAt = resetAt;
    this.standingReset = resetAt;
    this.retryAt = retryAt;
  }
}
