package dev.sluice.core.limit;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.MeterSpec;

/**
 * Lifetime budget: {@code N} units that never refill ("5 verifications per magic link").
 *
 * <h2>State and update</h2>
 *
 * Two words: the count and the time the budget is forgotten, {@code forgetAt = first + R}, where
 * {@code first} is the first charge and {@code R} the limit's retention (30 days by default). A
 * budget with a zero count, or whose {@code forgetAt} has passed, is fresh: count 0, and {@code
 * forgetAt = now + R} once charged. A request of cost {@code c} passes iff {@code count + c <= N}.
 * Later charges do not move {@code forgetAt}: the retention runs from first use.
 *
 * <h2>What the headers say</h2>
 *
 * {@code remaining = N - count}; {@code reset = forgetAt} (now, while nothing is counted). A denial
 * can pass only once the budget is forgotten: {@code retryAt = forgetAt} (never, if {@code c > N}).
 *
 * <h2>Worked example</h2>
 *
 * {@code 5/lifetime} for a magic-link token first verified on 1 March: the sixth attempt, on 2
 * March, is denied with remaining 0 and a retry-after of 29 days; on 31 March the token is
 * forgotten (by then it has long expired upstream).
 *
 * <h2>Error bound</h2>
 *
 * Exact: never more than {@code N} within the retention. The retention is the bound on memory, so
 * it must exceed the useful life of the identity it counts.
 */
final class LifetimeBudget extends Meter {
  private final long retentionMicros;

  LifetimeBudget(Limit limit) {
    super(limit);
    this.retentionMicros = limit.window().micros();
  }

  /** {@code 5/lifetime}: the retention is a policy-wide setting, not part of the limit's text. */
  @Override
  public String describe() {
    return limit.rate();
  }

  @Override
  public String summary() {
    return count(permits)
        + " in total, never refilled (forgotten "
        + human(((Window.Lifetime) limit.window()).retention())
        + " after first use)";
  }

  /** Kind {@code l}: the permits and the retention in microseconds. */
  @Override
  public MeterSpec spec() {
    return new MeterSpec("l", permits, retentionMicros);
  }

  @Override
  public int words() {
    return 2;
  }

  @Override
  public void evaluate(long[] state, int offset, long cost, long now, Evaluation out) {
    long count = state[offset];
    long forgetAt = state[offset + 1];
    if (count == 0 || now >= forgetAt) {
      count = 0;
      forgetAt = now + retentionMicros;
    }
    if (cost <= permits - count) { // not count + cost: a cost near Long.MAX_VALUE would wrap
      long after = count + cost;
      out.next0 = after;
      out.next1 = after == 0 ? 0 : forgetAt;
      out.allow(
          permits - after,
          after == 0 ? now : forgetAt,
          count == 0 ? now : forgetAt,
          after == 0 ? now : forgetAt);
    } else {
      out.deny(
          permits - count,
          count == 0 ? now : forgetAt,
          cost > permits ? Evaluation.NEVER : forgetAt);
    }
  }
}
