package dev.sluice.core.limit;

/**
 * The figures one evaluation reports, as a value: what a reference model predicts, or what a {@link
 * Meter} said (see {@link #of}). {@code retryAt} is 0 for an allowed request, as {@link Evaluation}
 * reports it.
 */
record Expected(boolean allowed, long remaining, long resetAt, long retryAt, long standingReset) {

  static Expected of(Evaluation e) {
    return new Expected(e.allowed, e.remaining, e.resetAt, e.retryAt, e.standingReset);
  }

  static Expected allowed(long remaining, long resetAt, long standingReset) {
    return new Expected(true, remaining, resetAt, 0, standingReset);
  }

  static Expected denied(long remaining, long resetAt, long retryAt) {
    return new Expected(false, remaining, resetAt, retryAt, resetAt);
  }
}
