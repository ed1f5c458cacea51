package dev.sluice.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.Limit;
import java.util.Arrays;

/**
 * Drives a {@link Meter} the way a store does: its state lives in a one-bucket {@code long[]}
 * behind a header word (as in the in-memory store's layout), every request is evaluated, and the
 * new state is committed only when the request is allowed. Checks on every evaluation that the
 * meter only reads.
 */
final class MeterDriver {
  static final int OFFSET = 1;
  private static final long HEADER = 0x5EED_F00D_CAFE_BABEL;

  final Meter meter;
  final long[] state;

  MeterDriver(Limit limit) {
    this.meter = Meter.of(limit);
    this.state = new long[OFFSET + meter.words()];
    state[0] = HEADER;
  }

  /** Evaluates against the current state, asserting that nothing is written. */
  Evaluation evaluate(long now, long cost) {
    return evaluate(state, now, cost);
  }

  /** Evaluates against {@code s}, asserting that nothing is written. */
  Evaluation evaluate(long[] s, long now, long cost) {
    long[] before = s.clone();
    Evaluation e = new Evaluation();
    meter.evaluate(s, OFFSET, cost, now, e);
    assertThat(s).as("evaluate must not write the state").isEqualTo(before);
    return e;
  }

  /** The state {@code e} would leave, without changing ours. */
  long[] after(Evaluation e) {
    long[] s = state.clone();
    meter.commit(s, OFFSET, e);
    assertThat(s[0]).as("commit must not touch words outside the meter's").isEqualTo(HEADER);
    return s;
  }

  void commit(Evaluation e) {
    meter.commit(state, OFFSET, e);
    assertThat(state[0]).as("commit must not touch words outside the meter's").isEqualTo(HEADER);
  }

  /** A fresh state: all zero, as a store creates it. */
  long[] zero() {
    long[] s = new long[state.length];
    s[0] = HEADER;
    return s;
  }

  /**
   * Asserts that {@code at} is the first instant from {@code now} on at which {@code cost} passes
   * against state {@code s}: it passes at {@code at} and, if {@code at > now}, not at {@code at -
   * 1}. (Passing is monotone in time for a fixed state, so this pins "first".)
   */
  void assertFirstPassingInstant(long[] s, long now, long cost, long at, String what) {
    assertThat(at).as("%s must not lie in the past", what).isGreaterThanOrEqualTo(now);
    assertThat(evaluate(s, at, cost).allowed)
        .as("%s: cost %d must pass at %d (now %d)", what, cost, at, now)
        .isTrue();
    if (at > now) {
      assertThat(evaluate(s, at - 1, cost).allowed)
          .as(
              "%s: cost %d must not pass at %d, a microsecond earlier (now %d)",
              what, cost, at - 1, now)
          .isFalse();
    }
  }

  @Override
  public String toString() {
    return meter.limit() + " state " + Arrays.toString(state);
  }
}
