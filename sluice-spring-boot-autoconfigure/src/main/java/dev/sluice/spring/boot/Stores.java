package dev.sluice.spring.boot;

import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import java.util.Locale;

/**
 * The store {@code sluice.store} names. The one place that knows store kinds: when core's store
 * provider SPI lands (a store found by its URI's scheme), this becomes a call to it.
 */
final class Stores {
  private Stores() {}

  static Store open(String spec) {
    String s = spec == null ? "" : spec.trim();
    if (s.isEmpty() || s.equals("memory") || s.equals("memory:")) {
      return InMemoryStore.create();
    }
    String scheme =
        s.indexOf(':') < 0 ? s : s.substring(0, s.indexOf(':')).toLowerCase(Locale.ROOT);
    if (scheme.startsWith("redis")) {
      try {
        Class.forName("dev.sluice.redis.RedisStore", false, Stores.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(
            "sluice.store is a Redis URI, but sluice-redis is not on the class path:"
                + " add the dependency dev.sluice:sluice-redis");
      }
      return RedisStores.open(s);
    }
    throw new IllegalArgumentException(
        "sluice.store: unknown store '"
            + s
            + "'; write memory, or a Redis URI (redis://host:6379, rediss://...,"
            + " redis-sentinel://..., redis-cluster://...)");
  }

  /** Apart, so that RedisStore is loaded only for a Redis URI. */
  private static final class RedisStores {
    static Store open(String uri) {
      return dev.sluice.redis.RedisStore.connect(uri);
    }
  }
}
