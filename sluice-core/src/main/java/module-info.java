/**
 * Sluice's engine: policies, limit algorithms, the store SPI and the in-memory store, decisions,
 * and the header and body dialects of rate-limited responses.
 */
module dev.sluice.core {
  exports dev.sluice.core;
  exports dev.sluice.core.policy;
  exports dev.sluice.core.store;
  exports dev.sluice.core.http;
  // The limit arithmetic is shared with the other stores (the Redis store tests its Lua twin
  // against it), not with users.
  exports dev.sluice.core.limit to dev.sluice.redis;
}
