package dev.sluice.core.limit;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.Limit;
import java.math.BigInteger;

/**
 * The arithmetic of one limit over a few {@code long} words of state. A meter is stateless and
 * immutable; the state lives in the store (an array slot in memory, a hash in Redis), so every
 * store runs the very same math. Evaluation never writes: the store evaluates every limit of a
 * request, and writes the new states only if all of them allow it (all-or-nothing).
 *
 * <p>Every meter treats all-zero state as "never used", and treats state that has outlived its
 * {@link Evaluation#expiresAt} exactly like all-zero state, so forgetting an expired bucket never
 * changes a decision.
 */
public abstract sealed class Meter permits FixedWindow, SlidingWindow, Gcra, LifetimeBudget {

  final Limit limit;
  final long permits;

  Meter(Limit limit) {
    this.limit = limit;
    this.permits = limit.permits();
  }

  /** The meter for {@code limit}. */
  public static Meter of(Limit limit) {
    if (limit.isLifetime()) {
      return new LifetimeBudget(limit);
    }
    Algorithm a = limit.algorithm();
    switch (a) {
      case FIXED_WINDOW:
        return new FixedWindow(limit);
      case SLIDING_WINDOW:
        return new SlidingWindow(limit);
      case TOKEN_BUCKET:
        return new Gcra(limit);
      default:
        throw new AssertionError(a);
    }
  }

  /** The limit this meter counts. */
  public final Limit limit() {
    return limit;
  }

  /** How many {@code long} words of state it keeps (1 or 2). */
  public abstract int words();

  /**
   * Evaluates charging {@code cost} units at {@code now} (epoch micros) against the state in {@code
   * state[offset .. offset + words())}; writes the result to {@code out}. Reads only.
   */
  public abstract void evaluate(long[] state, int offset, long cost, long now, Evaluation out);

  /** Writes the state computed by the last {@link #evaluate} into {@code out}. */
  public final void commit(long[] state, int offset, Evaluation e) {
    state[offset] = e.next0;
    if (words() == 2) {
      state[offset + 1] = e.next1;
    }
  }

  /**
   * The index of the epoch-aligned window of length {@code windowMicros} holding {@code now}:
   * {@code floor(now / windowMicros)}. Every bucket of a limit shares the current window, so the
   * meter remembers the last index and checks it with one multiplication; it divides (a 64-bit
   * division costs tens of cycles) only when the window has moved on. The cache is a single
   * volatile {@code long}, so a racing reader sees some recent index and verifies it.
   */
  final long windowIndex(long now, long windowMicros) {
    long i = lastWindowIndex;
    long start = i * windowMicros;
    if (now >= start && now - start < windowMicros) {
      return i;
    }
    i = Math.floorDiv(now, windowMicros);
    lastWindowIndex = i;
    return i;
  }

  private volatile long lastWindowIndex;

  /** {@code floor(a * b / c)} for {@code a, b >= 0, c > 0}, exact beyond 64 bits. */
  static long floorMulDiv(long a, long b, long c) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if (hi == 0 && lo >= 0) {
      return lo / c;
    }
    return BigInteger.valueOf(a)
        .multiply(BigInteger.valueOf(b))
        .divide(BigInteger.valueOf(c))
        .longValueExact();
  }

  /** {@code ceil(a * b / c)} for {@code a, b >= 0, c > 0}, exact beyond 64 bits. */
  static long ceilMulDiv(long a, long b, long c) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if (hi == 0 && lo >= 0) {
      return lo / c + (lo % c == 0 ? 0 : 1);
    }
    BigInteger[] qr =
        BigInteger.valueOf(a)
            .multiply(BigInteger.valueOf(b))
            .divideAndRemainder(BigInteger.valueOf(c));
    return qr[0].longValueExact() + (qr[1].signum() == 0 ? 0 : 1);
  }
}
