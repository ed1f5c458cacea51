package dev.sluice.core.limit;

/**
 * A lifetime budget from its definition: a counter, forgotten {@code R} after the first charge (of
 * a positive cost) since it was last forgotten; a request of cost {@code c} passes iff {@code count
 * + c <= N}.
 */
final class LifetimeModel implements ReferenceModel {
  private final long permits;
  private final long retention;
  private long count;
  private Long forgetAt; // null while nothing is counted

  LifetimeModel(long permits, long retentionMicros) {
    this.permits = permits;
    this.retention = retentionMicros;
  }

  private void forgetIfDue(long now) {
    if (forgetAt != null && now >= forgetAt) {
      count = 0;
      forgetAt = null;
    }
  }

  @Override
  public Expected evaluate(long now, long cost) {
    forgetIfDue(now);
    long standingReset = forgetAt == null ? now : forgetAt;
    if (count + cost <= permits) {
      long after = count + cost;
      long reset = after == 0 ? now : forgetAt != null ? forgetAt : now + retention;
      return Expected.allowed(permits - after, reset, standingReset);
    }
    long forget = forgetAt != null ? forgetAt : now + retention;
    return Expected.denied(
        permits - count, standingReset, cost > permits ? Evaluation.NEVER : forget);
  }

  @Override
  public void commit(long now, long cost) {
    forgetIfDue(now);
    if (cost > 0 && forgetAt == null) {
      forgetAt = now + retention;
    }
    count += cost;
  }
}
