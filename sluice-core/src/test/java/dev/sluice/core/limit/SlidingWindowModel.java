package dev.sluice.core.limit;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * Sliding window, from its definition, in exact rational arithmetic: a count per window index, and
 * at {@code t = i*W + e} the estimate {@code count[i-1] * (W - e) / W + count[i]}. A request of
 * cost {@code c} passes iff {@code estimate + c <= N}; what remains is {@code N - estimate},
 * rounded down. Reset and retry-at are found by searching time for the first instant at which the
 * estimate is 0, or low enough for {@code c} (the estimate never rises while nothing arrives), so
 * they do not depend on the closed forms in {@link SlidingWindow}'s comment.
 */
final class SlidingWindowModel implements ReferenceModel {
  private final long permits;
  private final long window;
  private final Map<Long, Long> counts = new HashMap<>();

  SlidingWindowModel(long permits, long windowMicros) {
    this.permits = permits;
    this.window = windowMicros;
  }

  /** The weighted estimate at {@code t}, with {@code extra} more units in the current window. */
  Q estimate(long t, long extra, long chargedAt) {
    long index = Math.floorDiv(t, window);
    long e = t - index * window;
    long prev =
        count(index - 1) + (extra > 0 && Math.floorDiv(chargedAt, window) == index - 1 ? extra : 0);
    long curr = count(index) + (extra > 0 && Math.floorDiv(chargedAt, window) == index ? extra : 0);
    return Q.of(prev).times(Q.of(window - e, window)).plus(Q.of(curr));
  }

  private long count(long index) {
    return counts.getOrDefault(index, 0L);
  }

  @Override
  public Expected evaluate(long now, long cost) {
    Q standing = estimate(now, 0, now);
    Q capacity = Q.of(permits);
    long standingReset = first(now, t -> estimate(t, 0, now).equals(Q.ZERO));
    if (standing.plus(Q.of(cost)).le(capacity)) {
      long remaining = capacity.minus(standing).minus(Q.of(cost)).floor();
      long reset = first(now, t -> estimate(t, cost, now).equals(Q.ZERO));
      return Expected.allowed(remaining, reset, standingReset);
    }
    long remaining = Math.max(0, capacity.minus(standing).floor());
    long retryAt =
        cost > permits
            ? Evaluation.NEVER
            : first(now, t -> estimate(t, 0, now).plus(Q.of(cost)).le(capacity));
    return Expected.denied(remaining, standingReset, retryAt);
  }

  /**
   * The first instant {@code >= from} where {@code holds} (which, once true, stays true); two
   * windows on, every count has dropped out, so the search ends there.
   */
  private long first(long from, LongPredicate holds) {
    long lo = from;
    long hi = (Math.floorDiv(from, window) + 2) * window;
    if (!holds.test(hi)) {
      throw new AssertionError("the estimate must reach its floor two windows on");
    }
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      if (holds.test(mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  @Override
  public void commit(long now, long cost) {
    counts.merge(Math.floorDiv(now, window), cost, Long::sum);
  }
}
