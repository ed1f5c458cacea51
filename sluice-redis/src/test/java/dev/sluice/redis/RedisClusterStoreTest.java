package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.LimitStatus;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.LimitKind;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreContract;
import dev.sluice.core.store.Verdict;
import io.lettuce.core.cluster.SlotHash;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The whole store contract again on a three-master Redis Cluster, where buckets of different
 * identities sit in different slots on different nodes: every all-or-nothing test of the contract
 * then goes through the per-slot charge and the refund.
 */
class RedisClusterStoreTest extends StoreContract {

  @Override
  protected Store newStore(ManualTicker ticker) {
    return RedisStore.builder(RedisClusterServers.shared().uri())
        .clock(ticker)
        .timeout(RedisServer.CONTRACT_TIMEOUT)
        .keyPrefix(RedisStoreTest.freshPrefix())
        .build();
  }

  private RedisStore redis() {
    return (RedisStore) store;
  }

  @Test
  void keys_spreadOverEveryNode() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));
    for (int k = 0; k < 60; k++) {
      charge(g, k, 1);
    }

    for (int node = 0; node < 3; node++) {
      long keys = RedisClusterServers.shared().on(node, r -> r.dbsize());
      assertThat(keys).as("node %d", node).isPositive();
    }
  }

  @Test
  void charge_deniedInOneSlot_isRefundedInTheOthers() {
    BucketGroup perUser =
        store.group(
            "per-user",
            List.of(
                LimitKind.FIXED.of("u-fixed", 10, HOUR),
                    LimitKind.SLIDING.of("u-sliding", 10, HOUR),
                LimitKind.TOKEN_BUCKET.of("u-bucket", 10, HOUR),
                    LimitKind.LIFETIME.of("u-life", 10, HOUR)));
    BucketGroup shared = store.group("shared", List.of(LimitKind.FIXED.of("s-fixed", 3, HOUR)));
    long user = 1;
    long other = 2;
    while (slot(perUser, user) == slot(shared, other)) {
      other++;
    }
    Charge c = new Charge(2).add(perUser, user, 2).add(shared, other, 2);
    assertThat(store.charge(c).kind()).isEqualTo(Verdict.Kind.ADMITTED);

    Verdict denied = store.charge(c);

    assertThat(denied.kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(denied.statuses())
        .extracting(LimitStatus::remaining)
        .containsExactly(8L, 8L, 8L, 8L, 1L);
    assertThat(read(perUser, user))
        .as("the other slot was charged, then refunded")
        .extracting(LimitStatus::remaining)
        .containsExactly(8L, 8L, 8L, 8L);
    assertThat(read(perUser, user))
        .extracting(LimitStatus::resetAtMicros)
        .isEqualTo(
            denied.statuses().subList(0, 4).stream().map(LimitStatus::resetAtMicros).toList());
  }

  private int slot(BucketGroup g, long key) {
    return SlotHash.getSlot(redis().key((RedisGroup) g, key));
  }
}
