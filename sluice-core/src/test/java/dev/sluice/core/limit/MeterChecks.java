package dev.sluice.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.limit.Scenarios.Scenario;
import dev.sluice.core.limit.Scenarios.Step;

/**
 * Replays a scenario against a meter and a reference model, and checks each answer by brute force.
 */
final class MeterChecks {
  private MeterChecks() {}

  /**
   * Replays {@code sc} (boundary steps land on multiples of {@code unit}) and demands, at every
   * step, that the meter and {@code model} agree on allowed, remaining, reset, retry-at and
   * standing reset; and that each of those figures is exact when checked against the meter itself:
   * the remaining units pass and one more does not; the retry-at is the first microsecond the same
   * cost passes; the reset is the first microsecond the whole capacity passes.
   */
  static void replay(Scenario sc, ReferenceModel model, long unit) {
    MeterDriver d = new MeterDriver(sc.limit());
    long capacity = sc.limit().capacity();
    long t = sc.start();
    long lastExpiry = Long.MIN_VALUE;
    for (int i = 0; i < sc.steps().size(); i++) {
      Step s = sc.steps().get(i);
      t = s.next(t, unit);
      long cost = s.cost();
      String at = "step " + i + " (" + s + ") at t=" + t;

      Evaluation e = d.evaluate(t, cost);
      Expected want = model.evaluate(t, cost);
      assertThat(Expected.of(e)).as("%s: meter vs reference model", at).isEqualTo(want);

      long[] after = e.allowed ? d.after(e) : d.state;
      assertExactRemaining(d, after, t, e.remaining, capacity, at);
      d.assertFirstPassingInstant(after, t, capacity, e.resetAt, at + ": resetAt");
      d.assertFirstPassingInstant(d.state, t, capacity, e.standingReset, at + ": standingReset");
      if (!e.allowed) {
        if (e.retryAt == Evaluation.NEVER) {
          assertThat(cost)
              .as("%s: only a cost above capacity never passes", at)
              .isGreaterThan(capacity);
        } else {
          assertThat(e.retryAt)
              .as("%s: a denial's retryAt lies in the future", at)
              .isGreaterThan(t);
          d.assertFirstPassingInstant(d.state, t, cost, e.retryAt, at + ": retryAt");
        }
      }

      if (e.allowed) {
        assertThat(e.expiresAt)
            .as("%s: expiresAt", at)
            .isGreaterThanOrEqualTo(t)
            .isGreaterThanOrEqualTo(lastExpiry);
        lastExpiry = e.expiresAt;
        d.commit(e);
        model.commit(t, cost);
      }
    }
  }

  /** {@code remaining} units pass against {@code s} at {@code t}, and one more does not. */
  private static void assertExactRemaining(
      MeterDriver d, long[] s, long t, long remaining, long capacity, String at) {
    assertThat(remaining).as("%s: remaining", at).isBetween(0L, capacity);
    assertThat(d.evaluate(s, t, remaining).allowed)
        .as("%s: the %d remaining units pass", at, remaining)
        .isTrue();
    assertThat(d.evaluate(s, t, remaining + 1).allowed)
        .as("%s: one unit more than the %d remaining does not pass", at, remaining)
        .isFalse();
  }
}
