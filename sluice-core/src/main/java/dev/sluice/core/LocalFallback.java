package dev.sluice.core;

import dev.sluice.core.policy.Policy;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreUnavailableException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the engine decides when its store fails, under the policy's {@code on-store-failure} mode:
 * let the request through uncounted ({@code open}), refuse it with a 503 ({@code closed}), or count
 * it in this instance's memory ({@code local}), in an in-memory store made on the first failure,
 * with a twin of each of the primary store's groups.
 */
final class LocalFallback {
  private final Policy policy;
  private volatile Store store;
  private final ConcurrentHashMap<BucketGroup, BucketGroup> twins = new ConcurrentHashMap<>();

  LocalFallback(Policy policy) {
    this.policy = policy;
  }

  /** The decision for {@code c}, the store having failed with {@code e}. */
  Decision decide(Charge c, StoreUnavailableException e) {
    String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    switch (policy.onStoreFailure()) {
      case OPEN:
        return Decision.uncounted(why);
      case CLOSED:
        return Decision.storeUnavailable(why);
      case LOCAL:
        Store local = store();
        Charge twin = // newcomers per client, as on the primary store
            new Charge(c.size()).origin(c.originSource()).dryRun(c.isDryRun());
        for (int i = 0; i < c.size(); i++) {
          BucketGroup g = twins.computeIfAbsent(c.group(i), p -> local.group(p.name(), p.limits()));
          twin.add(g, c.key(i), c.cost(i), c.fingerprint(i));
        }
        return Decision.fromVerdict(local.charge(twin), why);
      default:
        throw new AssertionError(policy.onStoreFailure());
    }
  }

  private Store store() {
    Store s = store;
    if (s == null) {
      synchronized (this) {
        s = store;
        if (s == null) {
          store = s = InMemoryStore.create();
        }
      }
    }
    return s;
  }
}
