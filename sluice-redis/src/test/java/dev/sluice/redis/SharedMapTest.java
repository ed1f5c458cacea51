package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.store.SharedMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shared map and shared secret, between two stores on one real Redis. */
class SharedMapTest {

  @Test
  void changesOnOneInstanceAreSeenAndAnnouncedOnTheOther() throws Exception {
    String prefix = RedisStoreTest.freshPrefix();
    try (RedisStore a = RedisStore.builder(RedisServer.shared().uri()).keyPrefix(prefix).build();
        RedisStore b = RedisStore.builder(RedisServer.shared().uri()).keyPrefix(prefix).build();
        SharedMap onA = a.shared().orElseThrow().map("overrides");
        SharedMap onB = b.shared().orElseThrow().map("overrides")) {
      LinkedBlockingQueue<String> heardByB = new LinkedBlockingQueue<>();
      onB.subscribe(heardByB::add);

      onA.put("f1", "{\"tier\":\"pro\"}");
      onA.put("f2", "{\"tier\":\"free\"}");
      onA.remove("f2");

      assertThat(heardByB.poll(10, TimeUnit.SECONDS)).isEqualTo("f1");
      assertThat(heardByB.poll(10, TimeUnit.SECONDS)).isEqualTo("f2");
      assertThat(heardByB.poll(10, TimeUnit.SECONDS)).isEqualTo("f2");
      assertThat(onB.getAll()).isEqualTo(Map.of("f1", "{\"tier\":\"pro\"}"));
      assertThat(onB.get("f2")).isNull();
    }
  }

  @Test
  void theSharedSecretIsMadeOnceAndReadByEveryInstance() {
    String prefix = RedisStoreTest.freshPrefix();
    try (RedisStore a = RedisStore.builder(RedisServer.shared().uri()).keyPrefix(prefix).build();
        RedisStore b = RedisStore.builder(RedisServer.shared().uri()).keyPrefix(prefix).build()) {
      byte[] first = a.sharedSecret("identity-secret");
      byte[] second = b.sharedSecret("identity-secret");

      assertThat(first).hasSize(16).isEqualTo(second);
      assertThat(a.sharedSecret("other-secret")).isNotEqualTo(first);
    }
  }
}
