package dev.sluice.redis;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreConcurrencyContract;

/**
 * The concurrency contract on a three-master Redis Cluster: charges across slots race with each
 * other's refunds, and still no limit over-admits and every admitted unit is counted.
 */
class RedisClusterConcurrencyTest extends StoreConcurrencyContract {

  @Override
  protected Store newStore(ManualTicker ticker) {
    return RedisStore.builder(RedisClusterServers.shared().uri())
        .clock(ticker)
        .timeout(RedisServer.CONTRACT_TIMEOUT)
        .keyPrefix(RedisStoreTest.freshPrefix())
        .build();
  }

  @Override
  protected int requestsPerThread() {
    return 400;
  }
}
