package dev.sluice.core.limit;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.store.MeterSpec;

/**
 * Token bucket as GCRA, the Generic Cell Rate Algorithm: a steady rate with a burst allowance, kept
 * in one timestamp.
 *
 * <h2>State and update</h2>
 *
 * A limit of {@code N} units per window {@code W} with burst {@code B} emits one unit every {@code
 * T = ceil(W / N)} microseconds (the emission interval) and tolerates up to {@code B} units of
 * credit, i.e. {@code tau = B * T} of time. The only state is the theoretical arrival time {@code
 * tat}: the moment the bucket would be full again if nothing more arrived. A fresh bucket has
 * {@code tat = 0}, which reads as "full". At time {@code t}, a request of cost {@code c}:
 *
 * <pre>
 *   base   = max(tat, t)          // a full bucket does not bank unused time
 *   newTat = base + c * T
 *   passes iff newTat - t <= tau  // the debt it leaves fits in the burst
 * </pre>
 *
 * and on passing {@code tat = newTat}. This is the token bucket exactly (tokens at {@code t} =
 * {@code (tau - (base - t)) / T}), without a separate counter and last-refill time: one word, which
 * Redis can update as cheaply as memory.
 *
 * <h2>What the headers say</h2>
 *
 * {@code remaining = floor((tau - (newTat - t)) / T)} tokens; {@code reset = newTat}, when the
 * bucket is full again. A denied request can pass once enough debt has drained: {@code retryAt =
 * newTat - tau} (never, if {@code c > B}).
 *
 * <h2>Worked example</h2>
 *
 * {@code 10/second burst 5}: {@code T = 100 ms}, {@code tau = 500 ms}. At {@code t = 0} five
 * requests pass ({@code tat} = 100, 200, ..., 500 ms; remaining 4, 3, ..., 0); the sixth would make
 * {@code newTat = 600 ms > t + tau} and is denied with {@code retryAt = 100 ms}. From then on one
 * request per 100 ms passes.
 *
 * <h2>Error bound</h2>
 *
 * Exact up to the rounding of {@code T} to whole microseconds, which rounds up: the sustained rate
 * is at most {@code N / W}, short of it by less than {@code N} microseconds per window (for {@code
 * 7/second}, {@code T = 142858 µs} instead of {@code 142857.14 µs}: 7 units take 1.000006 s).
 * {@link Limit} refuses token buckets faster than one unit per microsecond ({@code N > W} in µs),
 * where {@code T} would round from below 1 up to 1 and the bound above would not hold. Over any
 * span of length {@code L} at most {@code B + L / T} units pass.
 */
final class Gcra extends Meter {
  private final long interval;
  private final long tolerance;
  private final long burst;

  Gcra(Limit limit) {
    super(limit);
    long w = limit.window().micros();
    this.interval = Math.max(1, w / permits + (w % permits == 0 ? 0 : 1));
    this.burst = limit.burst();
    this.tolerance = Math.multiplyExact(burst, interval);
  }

  /**
   * The emission interval {@code T = max(1, ceil(W / N))}, in microseconds: computed here only, and
   * handed to the Redis script through {@link #spec()}.
   */
  long interval() {
    return interval;
  }

  @Override
  public String describe() {
    return limit.rate() + " token-bucket burst " + burst;
  }

  @Override
  public String summary() {
    return perWindow() + " (token bucket, bursts of up to " + count(burst) + ")";
  }

  /**
   * Kind {@code g}: the burst {@code B} and the emission interval {@code T} in microseconds, whose
   * product is the tolerance {@code tau}; the permits and window are not needed once {@code T} is
   * known.
   */
  @Override
  public MeterSpec spec() {
    return new MeterSpec("g", burst, interval);
  }

  @Override
  public int words() {
    return 1;
  }

  @Override
  public void evaluate(long[] state, int offset, long cost, long now, Evaluation out) {
    long tat = state[offset];
    long base = Math.max(tat, now);
    if (cost > burst) {
      out.deny((tolerance - (base - now)) / interval, base, Evaluation.NEVER);
      return;
    }
    long newTat = base + cost * interval;
    long debt = newTat - now;
    if (debt <= tolerance) {
      out.next0 = newTat;
      out.allow((tolerance - debt) / interval, newTat, base, newTat);
    } else {
      out.deny((tolerance - (base - now)) / interval, base, newTat - tolerance);
    }
  }
}
