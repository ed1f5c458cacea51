package dev.sluice.core.limit;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.store.MeterSpec;

/**
 * Fixed window: a counter per calendar-aligned window.
 *
 * <h2>State and update</h2>
 *
 * Time is cut into windows of length {@code W} aligned on the Unix epoch, so window {@code i}
 * covers {@code [i*W, (i+1)*W)}: a {@code minute} window resets on the minute, a {@code day} window
 * at 00:00 UTC. One word holds the low 32 bits of the window index and a 32-bit count:
 *
 * <pre>
 *   state = (i mod 2^32) << 32 | count
 * </pre>
 *
 * At time {@code t}, with {@code i = floor(t / W)}: if the stored index is {@code i} the count
 * stands, otherwise the window has turned over and the count is 0. A request of cost {@code c}
 * passes iff {@code count + c <= N}; then {@code count += c}.
 *
 * <h2>What the headers say</h2>
 *
 * {@code remaining = N - count}; {@code reset = (i+1)*W}, the next boundary (now, while nothing is
 * counted: the whole limit is available already). A denied request with {@code c <= N} can pass at
 * the next boundary: {@code retryAt = (i+1)*W}. One with {@code c > N} never can.
 *
 * <h2>Worked example</h2>
 *
 * {@code 100/minute}, at 12:00:45 with 100 already counted in the 12:00 window: a request is denied
 * with remaining 0, reset 12:01:00, retry after 15 s. At 12:01:00 the index changes and the count
 * starts again at 0.
 *
 * <h2>Error bound</h2>
 *
 * Exact within each window: never more than {@code N} per window. Across a boundary a client may
 * send {@code N} at the end of one window and {@code N} at the start of the next: up to {@code 2N}
 * in any span of length {@code W}, the price of one word of state and O(1) work. Use {@link
 * SlidingWindow} or {@link Gcra} where that burst matters. Index aliasing (the stored index equal
 * to the current one modulo 2^32 after 2^32 idle windows) cannot occur: an idle bucket expires
 * after one window and is then read as zero.
 */
final class FixedWindow extends Meter {
  private final long windowMicros;

  FixedWindow(Limit limit) {
    super(limit);
    this.windowMicros = limit.window().micros();
  }

  @Override
  public String describe() {
    return limit.rate();
  }

  @Override
  public String summary() {
    return perWindow() + " (fixed window)";
  }

  /** Kind {@code f}: the permits and the window's length in microseconds. */
  @Override
  public MeterSpec spec() {
    return new MeterSpec("f", permits, windowMicros);
  }

  @Override
  public int words() {
    return 1;
  }

  @Override
  public void evaluate(long[] state, int offset, long cost, long now, Evaluation out) {
    long index = windowIndex(now, windowMicros);
    long word = state[offset];
    long count = (int) (word >>> 32) == (int) index ? word & 0xFFFF_FFFFL : 0;
    long end = (index + 1) * windowMicros;
    if (cost <= permits - count) { // not count + cost: a cost near Long.MAX_VALUE would wrap
      long after = count + cost;
      out.next0 = (index << 32) | after;
      out.allow(permits - after, after == 0 ? now : end, count == 0 ? now : end, end);
    } else {
      out.deny(permits - count, count == 0 ? now : end, cost > permits ? Evaluation.NEVER : end);
    }
  }
}
