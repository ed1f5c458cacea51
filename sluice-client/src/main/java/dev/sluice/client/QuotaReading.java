package dev.sluice.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one response's rate-limit headers say about the caller's quota: the limit, what remains of
 * it, when it resets, and the window it is counted over. Any part a server did not send (or sent
 * garbled) is empty; a reading has at least one part.
 *
 * <p>Read from the IETF {@code RateLimit} field (the binding limit: the one with the least
 * remaining) with {@code RateLimit-Policy} (its quota and window), else from {@code
 * X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and {@code X-RateLimit-Reset} (or their
 * unprefixed {@code RateLimit-*} forms of early drafts). {@code X-RateLimit-Reset} is read by
 * magnitude, as servers disagree on its unit: below 10<sup>9</sup> it is seconds from now
 * (10<sup>9</sup> seconds is 31 years, no plausible delay), below 10<sup>12</sup> epoch seconds
 * (10<sup>9</sup> is September 2001), otherwise epoch milliseconds; an HTTP-date is accepted too.
 *
 * <p>{@link #resetAt()} is on this machine's clock: relative resets are counted from the moment the
 * response arrived, absolute ones corrected for gross clock skew using the response's {@code Date}.
 */
public final class QuotaReading {
  private final String policy;
  private final long limit;
  private final long remaining;
  private final Instant resetAt;
  private final Duration window;

  QuotaReading(String policy, long limit, long remaining, Instant resetAt, Duration window) {
    this.policy = policy;
    this.limit = limit;
    this.remaining = remaining;
    this.resetAt = resetAt;
    this.window = window;
  }

  /** The name of the limit, if the server named it (IETF fields: {@code "minute"}). */
  public Optional<String> policy() {
    return Optional.ofNullable(policy);
  }

  /** The number of requests (units) the limit allows per window. */
  public OptionalLong limit() {
    return limit < 0 ? OptionalLong.empty() : OptionalLong.of(limit);
  }

  /** What remains of the limit in the current window, after this request. */
  public OptionalLong remaining() {
    return remaining < 0 ? OptionalLong.empty() : OptionalLong.of(remaining);
  }

  /** When the limit resets (becomes whole again), on the local clock. */
  public Optional<Instant> resetAt() {
    return Optional.ofNullable(resetAt);
  }

  /** The length of the window the limit is counted over, if the server said it. */
  public Optional<Duration> window() {
    return Optional.ofNullable(window);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QuotaReading q
        && limit == q.limit
        && remaining == q.remaining
        && Objects.equals(policy, q.policy)
        && Objects.equals(resetAt, q.resetAt)
        && Objects.equals(window, q.window);
  }

  @Override
  public int hashCode() {
    return Objects.hash(policy, limit, remaining, resetAt, window);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("QuotaReading[");
    if (policy != null) {
      sb.append("policy=").append(policy).append(", ");
    }
    sb.append("limit=").append(limit < 0 ? "?" : Long.toString(limit));
    sb.append(", remaining=").append(remaining < 0 ? "?" : Long.toString(remaining));
    sb.append(", resetAt=").append(resetAt == null ? "?" : resetAt.toString());
    if (window != null) {
      sb.append(", window=").append(window);
    }
    return sb.append(']').toString();
  }
}
