package dev.sluice.core.store;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import java.time.Duration;

/**
 * The four kinds of limit a store must handle, each made to hold {@code capacity} units over {@code
 * span}: a fixed or sliding window of that length, a token bucket that refills {@code capacity} per
 * span with a burst of {@code capacity}, or a lifetime budget retained for {@code span}.
 */
public enum LimitKind {
  FIXED,
  SLIDING,
  TOKEN_BUCKET,
  LIFETIME;

  /** A limit of this kind named {@code name}. */
  public Limit of(String name, long capacity, Duration span) {
    switch (this) {
      case FIXED:
        return Limit.fixed(name, capacity, Window.of(span));
      case SLIDING:
        return Limit.sliding(name, capacity, Window.of(span));
      case TOKEN_BUCKET:
        return Limit.tokenBucket(name, capacity, Window.of(span), capacity);
      case LIFETIME:
        return Limit.fixed(name, capacity, Window.lifetime(span));
      default:
        throw new AssertionError(this);
    }
  }
}
