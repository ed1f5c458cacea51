/**
 * Sluice's engine: policies, limit algorithms, the store SPI and the in-memory store, decisions,
 * and the header and body dialects of rate-limited responses.
 */
module dev.sluice.core {
  exports dev.sluice.core;
  exports dev.sluice.core.policy;
  exports dev.sluice.core.store;
  exports dev.sluice.core.http;
  // dev.sluice.core.limit (the meters' arithmetic) is not exported: it is for stores. The Redis
  // store will get a qualified export ("exports ... to dev.sluice.redis") when it exists.
}
