package dev.sluice.core;

import java.util.List;

/**
 * Builds {@link Decision}s directly, for tests of what is made from them (headers, bodies) in other
 * packages; the factories are package-private in the engine.
 */
public final class Decisions {
  private Decisions() {}

  public static Decision allowed(long nowMicros, LimitStatus... limits) {
    return Decision.of(true, nowMicros, List.of(limits));
  }

  public static Decision denied(long nowMicros, LimitStatus... limits) {
    return Decision.of(false, nowMicros, List.of(limits));
  }

  public static Decision unlimited() {
    return Decision.unlimited(0);
  }

  public static Decision invalid(String problem) {
    return Decision.invalid(0, problem);
  }

  public static Decision unavailable(long nowMicros) {
    return Decision.unavailable(nowMicros, "the store is full");
  }
}
