package dev.sluice.server.ops;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongUnaryOperator;

/**
 * When a webhook delivery that failed is tried again, and when it is given up: exponential back-off
 * with jitter, bounded by an interval and a total time.
 *
 * <p>The delay before the next attempt grows with the event's <em>age</em> (the time since it was
 * made, or re-sent), not with a count of attempts: {@code base = clamp(age, first, maxInterval)},
 * and the delay is drawn uniformly from {@code [base / 2, base]} ("equal jitter"). With the
 * defaults (first 1 s, max 10 min, for 24 h), an event made at 0 is tried at 0, then at about 0.5
 * to 1 s, and from then on each wait is about half to all of the age so far (the age roughly
 * doubles at each attempt, as with a doubling back-off) until the waits reach 10 minutes; an
 * endpoint down for a day sees about 200 attempts (the waits average 7.5 min once at their cap) per
 * event. Deriving the delay from the age needs nothing but the event's creation time, which the
 * journal keeps: after a restart the back-off goes on where it was, with no attempt count stored.
 * The jitter spreads the retries of events that failed together (a receiver that went down) so they
 * do not come back in one burst.
 *
 * <p>Given up: an attempt that would start more than {@code retryFor} after the event was made is
 * not made; the event is then failed for good (and listed for a manual re-send).
 *
 * @param retryFor how long after its creation an event may still be tried
 * @param first the shortest wait between two attempts
 * @param maxInterval the longest wait between two attempts
 */
record WebhookRetry(Duration retryFor, Duration first, Duration maxInterval) {
  static final WebhookRetry DEFAULT =
      new WebhookRetry(Duration.ofHours(24), Duration.ofSeconds(1), Duration.ofMinutes(10));

  WebhookRetry {
    Objects.requireNonNull(retryFor, "retryFor");
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(maxInterval, "maxInterval");
    if (retryFor.isNegative()) {
      throw new IllegalArgumentException(
          "the webhook retry time must not be negative, got " + retryFor);
    }
    if (first.toMillis() < 1) {
      throw new IllegalArgumentException(
          "the first webhook retry's delay must be at least 1ms, got " + first);
    }
    if (maxInterval.compareTo(first) < 0) {
      throw new IllegalArgumentException(
          "the longest webhook retry interval ("
              + maxInterval
              + ") must be at least the first retry's delay ("
              + first
              + ")");
    }
  }

  /**
   * When to try again an event made at {@code createdMicros} whose attempt failed at {@code
   * nowMicros}, or {@code -1} to give it up. {@code random} maps a bound {@code n > 0} to a value
   * drawn uniformly from {@code [0, n)}.
   */
  long nextAttemptMicros(long createdMicros, long nowMicros, LongUnaryOperator random) {
    long age = Math.max(0, nowMicros - createdMicros);
    long firstMicros = micros(first);
    long maxMicros = micros(maxInterval);
    long base = Math.min(maxMicros, Math.max(firstMicros, age));
    long half = base / 2;
    long delay = base - half + random.applyAsLong(half + 1); // uniform in [base - half, base]
    long next = nowMicros + delay;
    long deadline = createdMicros + micros(retryFor);
    return next > deadline ? -1 : next;
  }

  private static long micros(Duration d) {
    try {
      return Math.multiplyExact(d.getSeconds(), 1_000_000L) + d.getNano() / 1_000;
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4; // centuries: as good as for ever, and safe to add to
    }
  }
}
