package dev.sluice.redis;

import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreProvider;
import dev.sluice.core.store.StoreSettings;
import dev.sluice.core.store.StoreUnavailableException;
import java.util.Set;

/**
 * The {@link StoreProvider} of the {@link RedisStore}: what {@code
 * dev.sluice.core.store.Stores.open} (and {@code sluice serve --store}) opens for the schemes
 * {@code redis}, {@code rediss}, {@code redis-sentinel}, {@code rediss-sentinel}, {@code
 * redis-cluster} and {@code rediss-cluster} (see {@link RedisStore#connect} for the URIs).
 *
 * <p>It takes the settings' timeout, connecting in the background, and password (for a URI that
 * carries none; see {@link RedisStore.Builder#password}), and no options: the memory store's bounds
 * do not apply, since Redis bounds its own memory. A Redis that cannot be reached is a {@link
 * StoreUnavailableException}; one that refuses the connection (a wrong password) an {@link
 * IllegalStateException}, saying what Redis answered.
 */
public final class RedisStoreProvider implements StoreProvider {
  private static final Set<String> MEMORY_ONLY =
      Set.of("max-buckets", "max-new-identities-per-client");

  /** For {@link java.util.ServiceLoader}. */
  public RedisStoreProvider() {}

  @Override
  public String name() {
    return "Redis";
  }

  @Override
  public Set<String> schemes() {
    return Target.SCHEMES;
  }

  @Override
  public String refusal(String option) {
    return MEMORY_ONLY.contains(option)
        ? "applies to the memory store only; Redis bounds its own memory (maxmemory)"
        : StoreProvider.super.refusal(option);
  }

  @Override
  public Store open(String uri, StoreSettings settings) {
    try {
      RedisStore.Builder builder =
          RedisStore.builder(uri)
              .timeout(settings.timeout())
              .connectInBackground(settings.connectInBackground());
      settings.password().ifPresent(builder::password);
      return builder.build();
    } catch (Connection.Unreachable e) {
      throw new StoreUnavailableException(e.getMessage(), e);
    }
  }
}
