/**
 * Sluice's engine: policies, limit algorithms, the store SPI and the in-memory store, decisions,
 * and the header and body dialects of rate-limited responses.
 */
module dev.sluice.core {
  exports dev.sluice.core;
  exports dev.sluice.core.policy;
  exports dev.sluice.core.store;
  exports dev.sluice.core.http;
  // The meters' arithmetic is for stores only: the Redis store mirrors it in Lua and checks its
  // twin against it.
  exports dev.sluice.core.limit to
      dev.sluice.redis;
}
