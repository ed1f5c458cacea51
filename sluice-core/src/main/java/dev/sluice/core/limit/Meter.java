package dev.sluice.core.limit;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.MeterSpec;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Locale;

/**
 * The arithmetic of one limit over a few {@code long} words of state. A meter is stateless and
 * immutable; the state lives in the store (an array slot in memory, a hash in Redis), so every
 * store runs the very same math. Evaluation never writes: the store evaluates every limit of a
 * request, and writes the new states only if all of them allow it (all-or-nothing).
 *
 * <p>Every meter treats all-zero state as "never used", and treats state that has outlived its
 * {@link Evaluation#expiresAt} exactly like all-zero state, so forgetting an expired bucket never
 * changes a decision.
 *
 * <p>The meters are the one place that knows the algorithms: besides the arithmetic, each says how
 * its limit reads ({@link #describe}, {@link #summary}) and what a store that runs the arithmetic
 * elsewhere needs of it ({@link #spec}). {@link Limit} and {@link MeterSpec} reach them from the
 * exported packages. Adding an algorithm is a constant of {@link dev.sluice.core.policy.Algorithm},
 * a subclass here, and its Lua twin in sluice-redis's {@code charge.lua}; the compiler points at
 * every other place that must decide something for it (see docs/extending.md).
 */
public abstract sealed class Meter permits FixedWindow, SlidingWindow, Gcra, LifetimeBudget {

  final Limit limit;
  final long permits;

  Meter(Limit limit) {
    this.limit = limit;
    this.permits = limit.permits();
  }

  /**
   * The meter for {@code limit}: cheap (a few fields, one division), so callers off the hot path
   * may make one per use; stores make one per limit when a rule is bound.
   */
  public static Meter of(Limit limit) {
    return switch (limit.algorithm()) {
      case FIXED_WINDOW -> limit.isLifetime() ? new LifetimeBudget(limit) : new FixedWindow(limit);
      case SLIDING_WINDOW -> new SlidingWindow(limit);
      case TOKEN_BUCKET -> new Gcra(limit);
    };
  }

  /** The limit this meter counts. */
  public final Limit limit() {
    return limit;
  }

  /**
   * The limit as a policy file writes it, algorithm included: {@code 100/minute}, {@code 100/minute
   * sliding}, {@code 10/second token-bucket burst 20}, {@code 5/lifetime}. Part of the identity of
   * an override's own limits ({@code Sluice.customVariant}), so it must not change for an existing
   * algorithm.
   */
  public abstract String describe();

  /**
   * The limit in words, for people reviewing a policy: {@code 100 per minute (fixed window)},
   * {@code 5 in total, never refilled (forgotten 30 days after first use)}.
   */
  public abstract String summary();

  /**
   * What a store that runs this arithmetic elsewhere (a Lua script) needs to know of the limit; see
   * {@link MeterSpec} for each kind's figures.
   */
  public abstract MeterSpec spec();

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

  /**
   * The rate of a repeating window in words: {@code 1,500 per minute}, {@code 70 per 90 seconds},
   * {@code 50 per 250 ms}.
   */
  final String perWindow() {
    String label = limit.window().label();
    boolean named = label.chars().allMatch(Character::isLetter);
    return count(permits)
        + " per "
        + (named ? label : human(((Window.Every) limit.window()).length()));
  }

  /** {@code 1,500}: a count with its thousands grouped. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** {@code 30 days}, {@code 36 hours}, {@code 15 minutes}, {@code 1 second}, {@code 250 ms}. */
  static String human(Duration d) {
    long ms = d.toMillis();
    long[] sizes = {86_400_000, 3_600_000, 60_000, 1_000};
    String[] units = {"day", "hour", "minute", "second"};
    for (int i = 0; i < sizes.length; i++) {
      if (ms % sizes[i] == 0) {
        long n = ms / sizes[i];
        return n + " " + units[i] + (n == 1 ? "" : "s");
      }
    }
    return String.format(Locale.ROOT, "%d ms", ms);
  }

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
