package dev.sluice.core.limit;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.store.MeterSpec;

/**
 * Sliding window, as the two-window weighted counter.
 *
 * <h2>State and update</h2>
 *
 * Windows are epoch-aligned as in {@link FixedWindow}. Two words: the index {@code i} of the
 * current window, and the counts of the previous and current windows packed as {@code prev << 32 |
 * curr}. At time {@code t = i*W + e} ({@code 0 <= e < W}) the count over the trailing window {@code
 * (t - W, t]} is estimated by assuming the previous window's requests were spread evenly over it,
 * so the part still inside the trailing window is {@code prev * (W - e) / W}:
 *
 * <pre>
 *   estimate = prev * (W - e) / W + curr
 *   passes iff estimate + c <= N, i.e. iff c <= remaining, where
 *   remaining = N - curr - ceil(prev * (W - e) / W)
 * </pre>
 *
 * (the two are equivalent because {@code N}, {@code curr} and {@code c} are integers). The products
 * are computed exactly, beyond 64 bits where needed, so there is no rounding anywhere. When the
 * index moves on by one, {@code curr} becomes {@code prev}; by more, both are 0.
 *
 * <h2>What the headers say</h2>
 *
 * {@code remaining} as above. {@code reset} is when the whole limit is free again: the end of the
 * next window if the current one has a count, else the end of this one. A denied request of cost
 * {@code c <= N} passes at the first {@code e} where the weighted previous count has fallen far
 * enough, {@code e = W - floor((N - curr - c) * W / prev)}, or, if no {@code e} in this window will
 * do, in the next window where {@code curr} is the new {@code prev}: {@code e' = W - floor((N - c)
 * * W / curr)}.
 *
 * <h2>Worked example</h2>
 *
 * {@code 100/minute}; the 12:00 window ended with 80, the 12:01 window has 30 so far; at 12:01:15
 * ({@code e/W = 1/4}) the estimate is {@code 80 * 3/4 + 30 = 90}: remaining 10. A request of cost
 * 20 is denied; it passes when {@code ceil(80 * (W-e)/W) <= 50}, i.e. at {@code e = W - 37.5 s},
 * 12:01:22.5.
 *
 * <h2>Error bound</h2>
 *
 * The estimate equals the true trailing count whenever the previous window's requests were evenly
 * spread; otherwise it is off by at most the previous count's misplacement, never more than {@code
 * prev}. Worst case, a client that fills the end of one window and then waits can get up to {@code
 * N * (1 + e/W) < 2N} into one trailing window; but unlike {@link FixedWindow} it cannot do so at
 * the boundary (at {@code e = 0} the previous window still weighs in full), and for traffic that is
 * not adversarially timed the error is small (Cloudflare measured 0.003% of requests wrongly
 * allowed or denied on real traffic with this counter).
 */
final class SlidingWindow extends Meter {
  private final long windowMicros;

  SlidingWindow(Limit limit) {
    super(limit);
    this.windowMicros = limit.window().micros();
  }

  @Override
  public String describe() {
    return limit.rate() + " sliding";
  }

  @Override
  public String summary() {
    return perWindow() + " (sliding window)";
  }

  /** Kind {@code s}: the permits and the window's length in microseconds. */
  @Override
  public MeterSpec spec() {
    return new MeterSpec("s", permits, windowMicros);
  }

  @Override
  public int words() {
    return 2;
  }

  @Override
  public void evaluate(long[] state, int offset, long cost, long now, Evaluation out) {
    long w = windowMicros;
    long index = windowIndex(now, w);
    long e = now - index * w;
    long stored = state[offset];
    long counts = state[offset + 1];
    long prev;
    long curr;
    if (stored == index) {
      prev = counts >>> 32;
      curr = counts & 0xFFFF_FFFFL;
    } else if (stored == index - 1) {
      prev = counts & 0xFFFF_FFFFL;
      curr = 0;
    } else {
      prev = 0;
      curr = 0;
    }
    long weighted = prev == 0 ? 0 : ceilMulDiv(prev, w - e, w);
    long available = permits - curr - weighted;
    if (cost <= available) {
      long after = curr + cost;
      out.next0 = index;
      out.next1 = (prev << 32) | after;
      long reset = after > 0 ? (index + 2) * w : prev > 0 ? (index + 1) * w : now;
      long standing = curr > 0 ? (index + 2) * w : prev > 0 ? (index + 1) * w : now;
      out.allow(available - cost, reset, standing, (index + 2) * w);
      return;
    }
    long reset = curr > 0 ? (index + 2) * w : prev > 0 ? (index + 1) * w : now;
    if (cost > permits) {
      out.deny(available, reset, Evaluation.NEVER);
      return;
    }
    long slack = permits - curr - cost;
    if (slack >= 0 && prev > 0) {
      long first = w - floorMulDiv(slack, w, prev);
      if (first < w) {
        out.deny(available, reset, index * w + first);
        return;
      }
    }
    long nextFirst = curr == 0 ? 0 : Math.max(0, w - floorMulDiv(permits - cost, w, curr));
    out.deny(available, reset, (index + 1) * w + nextFirst);
  }
}
