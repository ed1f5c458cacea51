package dev.sluice.core.limit;

/**
 * A continuous token bucket in exact rational arithmetic: it holds at most {@code B} tokens, starts
 * full, refills at one token per {@code T} microseconds ({@code tokens = min(B, tokens + elapsed /
 * T)}, with {@code T = ceil(W / N)} as {@link Gcra}'s comment specifies) and a request of cost
 * {@code c} passes iff {@code c <= tokens}, taking {@code c}. Reset is when it is full again,
 * retry-at when it holds {@code c}.
 */
final class TokenBucketModel implements ReferenceModel {
  private final long burst;
  private final long interval;
  private Q tokens;
  private long last = Long.MIN_VALUE;

  TokenBucketModel(long permits, long windowMicros, long burst) {
    this.burst = burst;
    this.interval = windowMicros / permits + (windowMicros % permits == 0 ? 0 : 1);
    this.tokens = Q.of(burst);
  }

  long interval() {
    return interval;
  }

  private Q tokensAt(long now) {
    if (last == Long.MIN_VALUE) {
      return Q.of(burst);
    }
    if (now < last) {
      throw new AssertionError("time ran backwards");
    }
    return tokens.plus(Q.of(now - last, interval)).min(Q.of(burst));
  }

  /** When the bucket, holding {@code t} tokens at {@code now}, will hold {@code target}. */
  private long when(long now, Q t, long target) {
    Q wait = Q.of(target).minus(t).times(interval);
    return now + Math.max(0, wait.exact()); // exact: tokens are always whole multiples of 1/T
  }

  @Override
  public Expected evaluate(long now, long cost) {
    Q t = tokensAt(now);
    long standingReset = when(now, t, burst);
    if (cost <= burst && Q.of(cost).le(t)) {
      Q left = t.minus(Q.of(cost));
      return Expected.allowed(left.floor(), when(now, left, burst), standingReset);
    }
    return Expected.denied(
        t.floor(), standingReset, cost > burst ? Evaluation.NEVER : when(now, t, cost));
  }

  @Override
  public void commit(long now, long cost) {
    tokens = tokensAt(now).minus(Q.of(cost));
    last = now;
  }
}
