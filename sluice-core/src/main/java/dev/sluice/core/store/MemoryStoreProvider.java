package dev.sluice.core.store;

import java.util.Set;

/**
 * The {@link StoreProvider} of the {@link InMemoryStore}: scheme {@code memory}, written {@code
 * memory} or {@code memory:}. Its options:
 *
 * <ul>
 *   <li>{@code max-buckets}: the cap on buckets over all rules, at least 10 (default 1,000,000; see
 *       {@link InMemoryStore.Builder#maxBuckets});
 *   <li>{@code max-new-identities-per-client}: how many new identities one client address may
 *       introduce per minute, 0 for no ceiling (default {@value
 *       InMemoryStore#DEFAULT_MAX_NEW_PER_ORIGIN}; see {@link
 *       InMemoryStore.Builder#maxNewIdentitiesPerOrigin}).
 * </ul>
 *
 * The timeout and connecting in the background mean nothing here: the store waits on nothing. Found
 * by {@link Stores#open}; to build an {@link InMemoryStore} in code, use {@link
 * InMemoryStore#builder()}.
 */
public final class MemoryStoreProvider implements StoreProvider {
  private static final String MAX_BUCKETS = "max-buckets";
  private static final String MAX_NEW_PER_CLIENT = "max-new-identities-per-client";

  /** For {@link java.util.ServiceLoader}. */
  public MemoryStoreProvider() {}

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("memory");
  }

  @Override
  public Set<String> options() {
    return Set.of(MAX_BUCKETS, MAX_NEW_PER_CLIENT);
  }

  @Override
  public Store open(String uri, StoreSettings settings) {
    String u = uri.strip();
    String rest = u.regionMatches(true, 0, "memory", 0, 6) ? u.substring(6) : u;
    if (!rest.isEmpty() && !rest.equals(":") && !rest.equals("://")) {
      throw new IllegalArgumentException(
          "the memory store takes no address: write memory (or memory:), not '"
              + Stores.masked(uri)
              + "'");
    }
    InMemoryStore.Builder b = InMemoryStore.builder();
    settings.ticker().ifPresent(b::ticker);
    settings
        .option(MAX_BUCKETS)
        .ifPresent(v -> b.maxBuckets(number(MAX_BUCKETS, v, 10, "at least 10")));
    settings
        .option(MAX_NEW_PER_CLIENT)
        .ifPresent(
            v ->
                b.maxNewIdentitiesPerOrigin(
                    number(MAX_NEW_PER_CLIENT, v, 0, "0 (no ceiling) or more")));
    return b.build();
  }

  private static long number(String option, String value, long min, String range) {
    long n;
    try {
      n = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new StoreOptionException(option, "must be a whole number, got '" + value + "'");
    }
    if (n < min) {
      throw new StoreOptionException(option, "must be " + range + ", got " + n);
    }
    return n;
  }
}
