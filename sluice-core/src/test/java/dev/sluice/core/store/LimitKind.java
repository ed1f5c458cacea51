package dev.sluice.core.store;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import java.time.Duration;

/**
 * The four kinds of limit a store must handle, each made to hold {@code capacity} units over {@code
 * span}: a fixed or sliding window of that length, a token bucket that refills {@code capacity} per
 * span with a burst of {@code capacity}, or a lifetime budget retained for {@code span}.
 *
 * <p>{@code StoreContract} runs every store over every kind, and the Redis store's tests compare
 * its Lua twin with the in-memory meters over every kind: {@link #exercising} makes sure a new
 * algorithm gets a kind.
 */
public enum LimitKind {
  FIXED,
  SLIDING,
  TOKEN_BUCKET,
  LIFETIME;

  /** A limit of this kind named {@code name}. */
  public Limit of(String name, long capacity, Duration span) {
    return switch (this) {
      case FIXED -> Limit.fixed(name, capacity, Window.of(span));
      case SLIDING -> Limit.sliding(name, capacity, Window.of(span));
      case TOKEN_BUCKET -> Limit.tokenBucket(name, capacity, Window.of(span), capacity);
      case LIFETIME -> Limit.fixed(name, capacity, Window.lifetime(span));
    };
  }

  /**
   * The kind that exercises {@code algorithm} over repeating windows: a new algorithm does not
   * compile here until the store tests run it.
   */
  public static LimitKind exercising(Algorithm algorithm) {
    return switch (algorithm) {
      case FIXED_WINDOW -> FIXED;
      case SLIDING_WINDOW -> SLIDING;
      case TOKEN_BUCKET -> TOKEN_BUCKET;
    };
  }
}
