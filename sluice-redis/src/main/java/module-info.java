/**
 * Sluice's Redis store: every limit of a request evaluated and charged by one Lua script call, on
 * Redis's clock, over Lettuce; standalone, Sentinel and Cluster. See {@link
 * dev.sluice.redis.RedisStore}. Registered as a {@link dev.sluice.core.store.StoreProvider}, so
 * {@code dev.sluice.core.store.Stores.open("redis://...")} finds it on the module path or class
 * path.
 */
// Lettuce ships no module descriptor, only an Automatic-Module-Name: requiring it is deliberate.
@SuppressWarnings("requires-automatic")
module dev.sluice.redis {
  requires transitive dev.sluice.core;
  requires lettuce.core;
  requires io.netty.buffer;

  exports dev.sluice.redis;

  provides dev.sluice.core.store.StoreProvider with
      dev.sluice.redis.RedisStoreProvider;
}
