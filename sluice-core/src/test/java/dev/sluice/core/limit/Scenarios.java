package dev.sluice.core.limit;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

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
  static Arbitrary<Long> windowMicros() {
    return Arbitraries.frequencyOf(
        Tuple.of(
            4,
            Arbitraries.of(
                1_000L,
                7_000L,
                999_000L,
                1_000_000L,
                1_000_001L,
                60_000_000L,
                3_600_000_000L,
                86_400_000_000L)),
        Tuple.of(2, Arbitraries.longs().between(1_000, 20_000)),
        Tuple.of(2, Arbitraries.longs().between(1_000, 7 * 86_400_000_000L)));
  }

  /** Permits: small, odd (7/second, 3/hour), round, and as large as a limit may be. */
  static Arbitrary<Long> permits() {
    return Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.longs().between(1, 10)),
        Tuple.of(3, Arbitraries.of(3L, 7L, 100L, 1_000L, 1_000_000L, Limit.MAX_PERMITS)),
        Tuple.of(1, Arbitraries.longs().between(1, Limit.MAX_PERMITS)));
  }

  static Arbitrary<Long> start() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.longs().between(Y2024, Y2024 + 400 * 86_400_000_000L)),
        Tuple.of(1, Arbitraries.of(0L, Y2024, 1_000L)),
        Tuple.of(1, Arbitraries.longs().between(0, 2 * Y2024)));
  }

  /**
   * Costs against a limit that can hold {@code capacity}: 0, 1, a little, all of it, one too many.
   */
  static Arbitrary<Long> cost(long capacity) {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(0L)),
        Tuple.of(6, Arbitraries.just(1L)),
        Tuple.of(4, Arbitraries.longs().between(0, Math.min(capacity + 1, 4))),
        Tuple.of(
            2, Arbitraries.of(capacity, capacity + 1, capacity / 2, Math.max(0, capacity - 1))),
        Tuple.of(2, Arbitraries.longs().between(0, capacity + 1)));
  }

  /** Steps forward: 0 (often), a little, up to a window, around a window, many windows, months. */
  static Arbitrary<Long> dt(long span) {
    return Arbitraries.frequencyOf(
        Tuple.of(5, Arbitraries.just(0L)),
        Tuple.of(3, Arbitraries.longs().between(1, Math.max(1, span / 10))),
        Tuple.of(3, Arbitraries.longs().between(1, span)),
        Tuple.of(1, Arbitraries.of(span - 1, span, span + 1)),
        Tuple.of(
            1,
            Combinators.combine(
                    Arbitraries.longs().between(2, 1_000), Arbitraries.longs().between(0, span - 1))
                .as((k, r) -> k * span + r)),
        // At most 10^12 us: far more than any sliding or token state lasts, yet under 2^32 windows
        // of 1 ms, so a fixed window's 32-bit index cannot alias (see FixedWindow's comment).
        Tuple.of(1, Arbitraries.longs().between(1_000_000_000L, 1_000_000_000_000L)));
  }

  static Arbitrary<List<Step>> steps(long span, long capacity, int maxSize) {
    Arbitrary<Step> plain =
        Combinators.combine(dt(span), cost(capacity)).as((dt, cost) -> new Step(dt, false, cost));
    Arbitrary<Step> boundary =
        Combinators.combine(Arbitraries.longs().between(0, 2), cost(capacity))
            .as((off, cost) -> new Step(off, true, cost));
    return Arbitraries.frequencyOf(Tuple.of(9, plain), Tuple.of(1, boundary))
        .list()
        .ofMinSize(1)
        .ofMaxSize(maxSize);
  }

  static Arbitrary<Scenario> fixed() {
    return windowMicros()
        .flatMap(
            w ->
                permits()
                    .flatMap(
                        n ->
                            Combinators.combine(start(), steps(w, n, 60))
                                .as(
                                    (s, steps) ->
                                        new Scenario(
                                            Limit.fixed("fixed", n, every(w)), s, steps))));
  }

  static Arbitrary<Scenario> sliding() {
    return windowMicros()
        .flatMap(
            w ->
                permits()
                    .flatMap(
                        n ->
                            Combinators.combine(start(), steps(w, n, 60))
                                .as(
                                    (s, steps) ->
                                        new Scenario(
                                            Limit.sliding("sliding", n, every(w)), s, steps))));
  }

  static Arbitrary<Scenario> tokenBucket() {
    // Limit refuses a token bucket faster than one unit per microsecond (n > w).
    return windowMicros()
        .flatMap(
            w ->
                permits()
                    .filter(n -> n <= w)
                    .flatMap(
                        n -> {
                          // Limit refuses a burst that would bank more than 2^61 us of credit.
                          long maxBurst = Math.min(Limit.MAX_PERMITS, (1L << 61) / (w / n + 1));
                          Arbitrary<Long> burst =
                              Arbitraries.frequencyOf(
                                  Tuple.of(3, Arbitraries.just(Math.min(n, maxBurst))),
                                  Tuple.of(
                                      3, Arbitraries.longs().between(1, Math.min(10, maxBurst))),
                                  Tuple.of(1, Arbitraries.just(1L)),
                                  Tuple.of(2, Arbitraries.longs().between(1, maxBurst)));
                          return burst.flatMap(
                              b -> {
                                long interval = w / n + (w % n == 0 ? 0 : 1);
                                long span =
                                    Math.max(
                                        interval,
                                        Math.min(
                                            w, b * interval)); // b * interval <= 2^61: no overflow
                                return Combinators.combine(start(), steps(span, b, 60))
                                    .as(
                                        (s, steps) ->
                                            new Scenario(
                                                Limit.tokenBucket("bucket", n, every(w), b),
                                                s,
                                                steps));
                              });
                        }));
  }

  static Arbitrary<Scenario> lifetime() {
    Arbitrary<Long> retention =
        Arbitraries.frequencyOf(
            Tuple.of(2, Arbitraries.of(1_000_000L, 3_600_000_000L, 30 * 86_400_000_000L)),
            Tuple.of(1, Arbitraries.longs().between(1_000_000L, 40 * 86_400_000_000L)));
    return retention.flatMap(
        r ->
            permits()
                .flatMap(
                    n ->
                        Combinators.combine(start(), steps(r, n, 60))
                            .as(
                                (s, steps) ->
                                    new Scenario(
                                        new Limit(
                                            "budget",
                                            n,
                                            Window.lifetime(Duration.ofNanos(r * 1_000)),
                                            dev.sluice.core.policy.Algorithm.FIXED_WINDOW,
                                            n),
                                        s,
                                        steps))));
  }
}
