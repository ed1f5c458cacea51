package dev.sluice.client;

/**
 * Exponential back-off with full jitter, for rate-limited responses that do not say when to come
 * back (no usable {@code Retry-After} or reset).
 *
 * <h2>The formula</h2>
 *
 * Before retry {@code n} (1 for the first retry, i.e. the second attempt):
 *
 * <pre>
 *   ceiling(n) = min(cap, base * 2^(n-1))
 *   wait(n)    = random(0, ceiling(n))          // uniform; "full jitter"
 * </pre>
 *
 * With the defaults ({@code base} 1 s, as both the IPTO and Convotic rate-limit pages advise, and
 * {@code cap} 60 s, the policy's longest single wait) the ceilings run 1, 2, 4, 8, 16, 32, 60, 60,
 * ... seconds and the expected waits half of that: 0.5, 1, 2, 4, ... seconds. {@code 2^(n-1)} is
 * computed by shifting and saturates, so retry 100 waits at most {@code cap} rather than
 * overflowing.
 *
 * <h2>Why full jitter</h2>
 *
 * Clients that were refused together (a burst at the top of a window) retry together unless
 * something spreads them. Marc Brooker's comparison ("Exponential Backoff and Jitter", AWS
 * Architecture Blog, 2015) measured plain exponential back-off (every client waits the same, so the
 * collisions repeat, just later), "equal jitter" ({@code ceiling/2 + random(0, ceiling/2)}),
 * "decorrelated jitter" and full jitter: full jitter completed the same work with the fewest calls
 * and close to the least time. The cost is that a wait can be near zero; that is the point (someone
 * must go first), and the budget keeps the total number of retries in check.
 *
 * <p>{@code random} comes from the policy's jitter source, a uniform {@code [0, 1)} supplier, so
 * tests can fix it; values outside that range are clamped into it.
 */
final class Backoff {
  private Backoff() {}

  /** {@code min(cap, base * 2^(retry-1))}, saturating; {@code retry} starts at 1. */
  static long ceilingNanos(long baseNanos, long capNanos, int retry) {
    int doublings = Math.max(0, retry - 1);
    long ceiling =
        doublings >= 63 || baseNanos > (Long.MAX_VALUE >> doublings)
            ? Long.MAX_VALUE
            : baseNanos << doublings;
    return Math.min(capNanos, ceiling);
  }

  /** {@code floor(u * ceiling)}, with {@code u} clamped to {@code [0, 1)}: below the ceiling. */
  static long fullJitterNanos(long ceilingNanos, double u) {
    if (!(u > 0) || ceilingNanos <= 0) { // !(u > 0) also catches NaN
      return 0;
    }
    double clamped = Math.min(u, Math.nextDown(1.0));
    return Math.min(ceilingNanos - 1, (long) (clamped * ceilingNanos));
  }
}
