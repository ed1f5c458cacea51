package dev.sluice.redis;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreConcurrencyContract;

/** The concurrency contract on a real Redis: eight threads pipelining on one shared connection. */
class RedisStoreConcurrencyTest extends StoreConcurrencyContract {

  @Override
  protected Store newStore(ManualTicker ticker) {
    return RedisStore.builder(RedisServer.shared().uri())
        .clock(ticker)
        .timeout(RedisServer.CONTRACT_TIMEOUT)
        .keyPrefix(RedisStoreTest.freshPrefix())
        .build();
  }

  @Override
  protected int requestsPerThread() {
    return 400; // a round trip each; still 8 x 8 = 64 requests per key against a capacity of 40
  }
}
