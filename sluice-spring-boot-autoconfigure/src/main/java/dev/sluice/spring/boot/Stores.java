package dev.sluice.spring.boot;

import dev.sluice.core.Ticker;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreSettings;
import java.util.Locale;

/**
 * The store {@code sluice.store} names, found by its URI's scheme through core's {@link
 * dev.sluice.core.store.Stores} (a {@code StoreProvider} on the class path: {@code memory} in core,
 * {@code redis://...} in sluice-redis, any other store in a jar of its own).
 */
final class Stores {
  private Stores() {}

  /** The store {@code spec} names; a memory store reads {@code clock}. */
  static Store open(String spec, Ticker clock) {
    String s = spec == null || spec.isBlank() ? "memory" : spec.trim();
    try {
      return dev.sluice.core.store.Stores.open(s, StoreSettings.builder().ticker(clock).build());
    } catch (IllegalArgumentException e) {
      boolean redis = s.toLowerCase(Locale.ROOT).startsWith("redis");
      throw new IllegalArgumentException(
          "sluice.store: "
              + e.getMessage()
              + (redis && e.getMessage().startsWith("unknown scheme")
                  ? "; for Redis, add the dependency dev.sluice:sluice-redis"
                  : ""),
          e);
    }
  }
}
