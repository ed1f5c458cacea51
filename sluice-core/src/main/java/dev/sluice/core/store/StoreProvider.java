package dev.sluice.core.store;

import java.util.Set;
import java.util.TreeSet;

/**
 * Opens the stores of a few URI schemes: how a store that lives in a module of its own
 * (sluice-redis for {@code redis://}, {@code rediss://}...) is found, so that {@link Stores#open}
 * and the gateway ({@code sluice serve --store SCHEME://...}) take it without knowing it. The
 * in-memory store is one too ({@link MemoryStoreProvider}, scheme {@code memory}).
 *
 * <p>Found with {@link java.util.ServiceLoader}: implementations need a public no-argument
 * constructor, and are declared both in {@code
 * META-INF/services/dev.sluice.core.store.StoreProvider} (for the class path) and, in a module,
 * with {@code provides dev.sluice.core.store.StoreProvider with ...}. The store itself is tested by
 * extending the shared suite {@code StoreContract} of sluice-core's test jar.
 */
public interface StoreProvider {

  /** What the store is called in messages: {@code memory}, {@code Redis}. */
  String name();

  /**
   * The URI schemes this provider opens, in lower case and without {@code :}, e.g. {@code redis}
   * and {@code rediss}. A scheme two providers claim goes to the first one found.
   */
  Set<String> schemes();

  /**
   * The names of the store-specific options ({@link StoreSettings#options()}) this store takes;
   * none by default. {@link Stores#open} refuses any other with {@link #refusal}'s reason before
   * {@link #open} is called.
   */
  default Set<String> options() {
    return Set.of();
  }

  /**
   * Why this store does not take {@code option} (one that is not among {@link #options()}), as the
   * end of a sentence that starts with the option's name: e.g. {@code applies to the memory store
   * only; Redis bounds its own memory (maxmemory)}. The default says the store has no such option
   * and lists those it has.
   */
  default String refusal(String option) {
    Set<String> known = new TreeSet<>(options());
    return "is not an option of the "
        + name()
        + " store"
        + (known.isEmpty() ? ", which takes none" : "; it takes " + String.join(", ", known));
  }

  /**
   * Opens (connects) the store at {@code uri}.
   *
   * @param uri the store's URI as the user wrote it; its scheme is one of {@link #schemes()}, in
   *     any case
   * @param settings the timeout, whether to connect in the background, and options, every one of
   *     them among {@link #options()}
   * @throws IllegalArgumentException if {@code uri} is malformed ({@link StoreOptionException} if
   *     an option's value is): the message says what is wrong, never showing a password (see {@link
   *     Stores#masked})
   * @throws StoreUnavailableException if the store cannot be reached now (and {@link
   *     StoreSettings#connectInBackground()} is off): starting it would help
   * @throws IllegalStateException if the store refuses this client (credentials, a database out of
   *     range): starting it would not help
   */
  Store open(String uri, StoreSettings settings);
}
