/**
 * Sluice's engine: policies, limit algorithms, the store SPI and the in-memory store, decisions,
 * and the header and body dialects of rate-limited responses.
 */
module dev.sluice.core {
  exports dev.sluice.core;
  exports dev.sluice.core.policy;
  exports dev.sluice.core.store;
  exports dev.sluice.core.http;

  // dev.sluice.core.limit (the meters' arithmetic) stays internal: the Redis store mirrors it in
  // Lua, and its tests check the twin against it on the class path.

  // Stores.open finds a store by its URI's scheme: the in-memory one here (memory), the others in
  // modules of their own (sluice-redis's redis://...).
  uses dev.sluice.core.store.StoreProvider;

  provides dev.sluice.core.store.StoreProvider with
      dev.sluice.core.store.MemoryStoreProvider;
}
