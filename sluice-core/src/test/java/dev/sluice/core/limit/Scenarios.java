package dev.sluice.core.limit;

import static dev.sluice.testing.Gen.weighted;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import dev.sluice.testing.Gen;
import java.time.Duration;
import java.util.List;

/**
 * Random arrivals for the meter properties: limits with ordinary and odd rates, a start time, and
 * steps forward in time (often 0, sometimes onto a window boundary, sometimes many windows at once;
 * never backwards), each with a cost from 0 to one more than the limit can ever hold.
 */
final class Scenarios {
  /** A realistic "now": 2024-01-01T00:00:00Z in microseconds. */
  static final long Y2024 = 1_704_067_200_000_000L;

  private Scenarios() {}

  /**
   * One request: {@code dt} microseconds after the previous one, or, with {@code toBoundary}, at
   * the next window boundary plus {@code dt - 1} (just before, on, or just after it).
   */
  record Step(long dt, boolean toBoundary, long cost) {
    long next(long t, long window) {
      if (!toBoundary) {
        return t + dt;
      }
      long boundary = (Math.floorDiv(t, window) + 1) * window;
      return Math.max(t, boundary + dt - 1);
    }

    @Override
    public String toString() {
      return (toBoundary ? "boundary" + (dt - 1 >= 0 ? "+" : "") + (dt - 1) : "+" + dt)
          + " cost "
          + cost;
    }
  }

  /** A limit and the requests made against it. */
  record Scenario(Limit limit, long start, List<Step> steps) {
    @Override
    public String toString() {
      return limit + " (" + limit.window().micros() + "us) from " + start + ": " + steps;
    }
  }

  static Window every(long micros) {
    return Window.of(Duration.ofNanos(micros * 1_000));
  }

  /** Window lengths in microseconds: the usual ones, odd ones, tiny ones, long ones. */
  static Gen<Long> windowMicros() {
    return Gen.frequency(
        weighted(
            4,
            Gen.of(
                1_000L,
                7_000L,
                999_000L,
                1_000_000L,
                1_000_001L,
                60_000_000L,
                3_600_000_000L,
                86_400_000_000L)),
        weighted(2, Gen.longs(1_000, 20_000)),
        weighted(2, Gen.longs(1_000, 7 * 86_400_000_000L)));
  }

  /** Permits: small, odd (7/second, 3/hour), round, and as large as a limit may be. */
  static Gen<Long> permits() {
    return Gen.frequency(
        weighted(6, Gen.longs(1, 10)),
        weighted(3, Gen.of(3L, 7L, 100L, 1_000L, 1_000_000L, Limit.MAX_PERMITS)),
        weighted(1, Gen.longs(1, Limit.MAX_PERMITS)));
  }

  static Gen<Long> start() {
    return Gen.frequency(
        weighted(4, Gen.longs(Y2024, Y2024 + 400 * 86_400_000_000L)),
        weighted(1, Gen.of(0L, Y2024, 1_000L)),
        weighted(1, Gen.longs(0, 2 * Y2024)));
  }

  /**
   * Costs against a limit that can hold {@code capacity}: 0, 1, a little, all of it, one too many.
   */
  static Gen<Long> cost(long capacity) {
    return Gen.frequency(
        weighted(2, Gen.constant(0L)),
        weighted(6, Gen.constant(1L)),
        weighted(4, Gen.longs(0, Math.min(capacity + 1, 4))),
        weighted(2, Gen.of(capacity, capacity + 1, capacity / 2, Math.max(0, capacity - 1))),
        weighted(2, Gen.longs(0, capacity + 1)));
  }

  /** Steps forward: 0 (often), a little, up to a window, around a window, many windows, months. */
  static Gen<Long> dt(long span) {
    Gen<Long> windows = Gen.longs(2, 1_000);
    Gen<Long> rest = Gen.longs(0, span - 1);
    return Gen.frequency(
        weighted(5, Gen.constant(0L)),
        weighted(3, Gen.longs(1, Math.max(1, span / 10))),
        weighted(3, Gen.longs(1, span)),
        weighted(1, Gen.of(span - 1, span, span + 1)),
        weighted(1, s -> windows.next(s) * span + rest.next(s)),
        // At most 10^12 us: far more than any sliding or token state lasts, yet under 2^32 windows
        // of 1 ms, so a fixed window's 32-bit index cannot alias (see FixedWindow's comment).
        weighted(1, Gen.longs(1_000_000_000L, 1_000_000_000_000L)));
  }

  static Gen<List<Step>> steps(long span, long capacity, int maxSize) {
    Gen<Long> dt = dt(span);
    Gen<Long> cost = cost(capacity);
    Gen<Long> offset = Gen.longs(0, 2);
    Gen<Step> plain = s -> new Step(dt.next(s), false, cost.next(s));
    Gen<Step> boundary = s -> new Step(offset.next(s), true, cost.next(s));
    return Gen.<Step>frequency(weighted(9, plain), weighted(1, boundary)).list(1, maxSize);
  }

  static Gen<Scenario> fixed() {
    return s -> {
      long w = windowMicros().next(s);
      long n = permits().next(s);
      return new Scenario(
          Limit.fixed("fixed", n, every(w)), start().next(s), steps(w, n, 60).next(s));
    };
  }

  static Gen<Scenario> sliding() {
    return s -> {
      long w = windowMicros().next(s);
      long n = permits().next(s);
      return new Scenario(
          Limit.sliding("sliding", n, every(w)), start().next(s), steps(w, n, 60).next(s));
    };
  }

  static Gen<Scenario> tokenBucket() {
    return s -> {
      long w = windowMicros().next(s);
      // Limit refuses a token bucket faster than one unit per microsecond (n > w).
      long n = permits().filter(p -> p <= w).next(s);
      // Limit refuses a burst that would bank more than 2^61 us of credit.
      long maxBurst = Math.min(Limit.MAX_PERMITS, (1L << 61) / (w / n + 1));
      long b =
          Gen.frequency(
                  weighted(3, Gen.constant(Math.min(n, maxBurst))),
                  weighted(3, Gen.longs(1, Math.min(10, maxBurst))),
                  weighted(1, Gen.constant(1L)),
                  weighted(2, Gen.longs(1, maxBurst)))
              .next(s);
      long interval = w / n + (w % n == 0 ? 0 : 1);
      long span =
          Math.max(interval, Math.min(w, b * interval)); // b * interval <= 2^61: no overflow
      return new Scenario(
          Limit.tokenBucket("bucket", n, every(w), b), start().next(s), steps(span, b, 60).next(s));
    };
  }

  static Gen<Scenario> lifetime() {
    Gen<Long> retention =
        Gen.frequency(
            weighted(2, Gen.of(1_000_000L, 3_600_000_000L, 30 * 86_400_000_000L)),
            weighted(1, Gen.longs(1_000_000L, 40 * 86_400_000_000L)));
    return s -> {
      long r = retention.next(s);
      long n = permits().next(s);
      Limit limit =
          new Limit(
              "budget",
              n,
              Window.lifetime(Duration.ofNanos(r * 1_000)),
              dev.sluice.core.policy.Algorithm.FIXED_WINDOW,
              n);
      return new Scenario(limit, start().next(s), steps(r, n, 60).next(s));
    };
  }
}
