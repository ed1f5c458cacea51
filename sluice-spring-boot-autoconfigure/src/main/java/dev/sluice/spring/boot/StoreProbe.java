package dev.sluice.spring.boot;

import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Whether the engine's store answers, for the health contributor of either Boot line: it reads one
 * identity's usage (charging nothing), as a request would reach the store.
 */
final class StoreProbe {
  private static final String PROBE = "sluice-health-probe";

  private StoreProbe() {}

  /** The details of a healthy store; throws what the store threw if it is not. */
  static Map<String, Object> check(SluiceEngine engine) throws Exception {
    engine.usage(PROBE).toCompletableFuture().get(2, TimeUnit.SECONDS);
    Store store = engine.store();
    Map<String, Object> details = new LinkedHashMap<>();
    if (store instanceof InMemoryStore m) {
      details.put("store", "memory");
      details.put("buckets", m.size());
      details.put("capacity", m.capacity());
    } else {
      details.put("store", store.getClass().getSimpleName());
    }
    details.put("onStoreFailure", engine.policy().onStoreFailure().label());
    return details;
  }
}
