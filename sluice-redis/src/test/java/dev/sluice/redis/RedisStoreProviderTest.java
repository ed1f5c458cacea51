package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.LimitKind;
import dev.sluice.core.store.SharedSecret;
import dev.sluice.core.store.SharedState;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreOptionException;
import dev.sluice.core.store.StoreSettings;
import dev.sluice.core.store.StoreUnavailableException;
import dev.sluice.core.store.Stores;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Redis store as {@link Stores#open} finds it: by its URI's scheme, through ServiceLoader, with
 * what it shares besides buckets, and refusing what does not apply to it.
 */
class RedisStoreProviderTest {
  private static final StoreSettings SETTINGS =
      StoreSettings.builder().timeout(RedisServer.CONTRACT_TIMEOUT).build();

  /** A rule of its own per test: the stores here use the default key prefix. */
  private static String freshRule() {
    return "provider-" + RedisStoreTest.freshPrefix();
  }

  @Test
  void aRedisUri_opensAWorkingRedisStore_throughServiceLoader() {
    String uri = RedisServer.shared().uri();
    for (String spelling : new String[] {uri, uri.replace("redis://", "REDIS://")}) {
      try (Store store = Stores.open(spelling, SETTINGS)) {
        assertThat(store).as(spelling).isInstanceOf(RedisStore.class);
        assertThat(store.blocks()).isTrue();
        BucketGroup g =
            store.group(freshRule(), List.of(LimitKind.FIXED.of("daily", 2, Duration.ofDays(1))));

        assertThat(store.charge(new Charge(1).add(g, 7, 1)).admitted()).isTrue();
        assertThat(store.charge(new Charge(1).add(g, 7, 1)).admitted()).isTrue();
        assertThat(store.charge(new Charge(1).add(g, 7, 1)).admitted())
            .as("counted in Redis")
            .isFalse();
      }
    }
  }

  @Test
  void redisShares_theIdentitySecretAndMaps_theMemoryStoreDoesNot() {
    String prefixed = RedisStoreTest.freshPrefix();
    try (Store a = Stores.open(RedisServer.shared().uri(), SETTINGS);
        Store b = Stores.open(RedisServer.shared().uri(), SETTINGS);
        Store memory = Stores.open("memory")) {
      assertThat(memory.shared()).isEmpty();
      assertThat(a.shared()).isPresent();

      SharedState onA = a.shared().orElseThrow();
      SharedState onB = b.shared().orElseThrow();
      SharedSecret first = onA.identitySecret(prefixed, null);
      SharedSecret second = onB.identitySecret(prefixed, null);
      assertThat(first.check()).isEqualTo(SharedSecret.Check.AGREES);
      assertThat(second.check()).isEqualTo(SharedSecret.Check.AGREES);
      assertThat(second.secret()).hasSize(16).isEqualTo(first.secret());
    }
  }

  @Test
  void theSchemesFoundAtRunTime_includeEveryRedisOne_andAMisspeltOneIsNamed() {
    assertThatThrownBy(() -> Stores.open("mongo://:hunter2@h:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown scheme 'mongo' in the store URI 'mongo://:***@h:1'")
        .hasMessageContaining(
            "the schemes known are memory, redis, redis-cluster, redis-sentinel, rediss,"
                + " rediss-cluster, rediss-sentinel (a store of another kind is a jar of its own"
                + " on the class path)")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> Stores.open("redis-clsuter://:hunter2@h:1"))
        .hasMessageStartingWith(
            "unknown scheme 'redis-clsuter' in the store URI 'redis-clsuter://:***@h:1' (did you"
                + " mean redis-cluster?)")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void everySchemeTheProviderClaims_isOneTheUriParserTakes() {
    for (String scheme : new RedisStoreProvider().schemes()) {
      String uri =
          scheme + "://:hunter2@127.0.0.1:6379" + (scheme.endsWith("sentinel") ? "#mymaster" : "");
      assertThat(Target.parse(uri).description).as(scheme).doesNotContain("hunter2");
    }
  }

  @Test
  void theMemoryStoresOptions_areRefused_beforeConnecting_forRedisBoundsItsOwnMemory() {
    for (String option : new String[] {"max-buckets", "max-new-identities-per-client"}) {
      assertThatThrownBy(
              () ->
                  Stores.open(
                      "redis://127.0.0.1:1", StoreSettings.builder().option(option, "10").build()))
          .isInstanceOf(StoreOptionException.class)
          .hasMessage(
              option
                  + " applies to the memory store only; Redis bounds its own memory (maxmemory)");
    }
    assertThatThrownBy(
            () ->
                Stores.open(
                    "redis://127.0.0.1:1", StoreSettings.builder().option("pool", "8").build()))
        .isInstanceOf(StoreOptionException.class)
        .hasMessage("pool is not an option of the Redis store, which takes none");
  }

  @Test
  void aRedisThatCannotBeReached_isUnavailable_unlessConnectingInBackground() {
    assertThatThrownBy(() -> Stores.open("redis://:hunter2@127.0.0.1:1"))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageStartingWith("cannot connect to Redis at redis://:***@127.0.0.1:1")
        .hasMessageNotContaining("hunter2");
    try (Store late =
        Stores.open(
            "redis://127.0.0.1:1", StoreSettings.builder().connectInBackground(true).build())) {
      BucketGroup g =
          late.group(freshRule(), List.of(LimitKind.FIXED.of("daily", 2, Duration.ofDays(1))));
      assertThatThrownBy(() -> late.charge(new Charge(1).add(g, 7, 1)))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("not connected to Redis");
    }
  }

  @Test
  void aMalformedRedisUri_saysWhatIsWrong() {
    assertThatThrownBy(() -> Stores.open("redis://:hunter2@127.0.0.1:0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid Redis store URI 'redis://:***@127.0.0.1:0': port 0 is out of range (1 to"
                + " 65535)");
  }
}
