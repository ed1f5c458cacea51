package dev.sluice.core.store;

import java.util.concurrent.CompletionException;

/** What went wrong in a {@link java.util.concurrent.CompletableFuture} stage. */
public final class Futures {
  private Futures() {}

  /**
   * The failure itself, without the {@link CompletionException} wrappers that dependent stages put
   * around it: a store's {@code StoreUnavailableException} is recognised whichever stage reports
   * it.
   */
  public static Throwable cause(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
