package dev.sluice.core.store;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens a store by its URI: the {@link StoreProvider} of the URI's scheme is found on the class
 * path (or module path) with {@link ServiceLoader}, so a store in a jar of its own is taken without
 * anything else knowing it.
 *
 * <pre>{@code
 * Store local = Stores.open("memory");
 * Store shared = Stores.open("redis://redis.internal:6379",
 *     StoreSettings.builder().timeout(Duration.ofMillis(100)).build());
 * }</pre>
 *
 * <p>The schemes of sluice's own stores: {@code memory} (also written {@code memory:}; sluice-core)
 * and {@code redis}, {@code rediss}, {@code redis-sentinel}, {@code rediss-sentinel}, {@code
 * redis-cluster}, {@code rediss-cluster} (sluice-redis, when it is on the class path).
 */
public final class Stores {
  private static final System.Logger LOG = System.getLogger(Stores.class.getName());

  /** A URI scheme (RFC 3986): a letter, then letters, digits, {@code +}, {@code -}, {@code .}. */
  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

  /** A query parameter whose name says it holds a secret, and its value. */
  private static final Pattern SECRET_PARAMETER =
      Pattern.compile(
          "([?&;][^=&;#]*(?:pass|pwd|secret|token|credential)[^=&;#]*=)([^&;#]*)",
          Pattern.CASE_INSENSITIVE);

  private Stores() {}

  /** {@link #open(String, StoreSettings)} with the {@linkplain StoreSettings#defaults defaults}. */
  public static Store open(String uri) {
    return open(uri, StoreSettings.defaults());
  }

  /**
   * Opens the store at {@code uri} with the provider of its scheme.
   *
   * @param uri {@code SCHEME:...}, the scheme in any case; {@code memory} alone for the in-memory
   *     store
   * @throws IllegalArgumentException if no provider takes the scheme (the message names the schemes
   *     found, and never shows a password), if the URI is malformed, or ({@link
   *     StoreOptionException}) if the store does not take one of the settings' options or its value
   * @throws StoreUnavailableException if the store cannot be reached now, unless the settings say
   *     to connect in the background
   * @throws IllegalStateException if the store refuses this client (credentials, for one)
   */
  public static Store open(String uri, StoreSettings settings) {
    Objects.requireNonNull(settings, "settings");
    Map<String, StoreProvider> providers = providers();
    String scheme = uri == null ? null : scheme(uri);
    StoreProvider provider = scheme == null ? null : providers.get(scheme);
    if (provider == null) {
      throw new IllegalArgumentException(unknown(uri, scheme, providers));
    }
    for (String option : settings.options().keySet()) {
      if (!provider.options().contains(option)) {
        throw new StoreOptionException(option, provider.refusal(option));
      }
    }
    return Objects.requireNonNull(
        provider.open(uri, settings), () -> provider.getClass().getName() + " opened no store");
  }

  /**
   * {@code uri} as it may be shown (a message, a log line, a start-up banner): the password of its
   * user information ({@code scheme://user:PASSWORD@host}) and the value of every query parameter
   * whose name says it holds a secret ({@code password=}, {@code secret=}, {@code token=}...)
   * replaced by {@code ***}; everything else as given. Every store's messages should show URIs only
   * through this.
   */
  public static String masked(String uri) {
    if (uri == null) {
      return null;
    }
    String out = uri;
    int sep = uri.indexOf("://");
    int colon = uri.indexOf(':');
    int from =
        sep >= 0
            ? sep + 3
            : colon >= 0 && SCHEME.matcher(uri.substring(0, colon)).matches() ? colon + 1 : 0;
    int at = uri.lastIndexOf('@');
    if (at >= from) {
      String info = uri.substring(from, at);
      int c = info.indexOf(':');
      out =
          uri.substring(0, from)
              + (c < 0 ? "***" : info.substring(0, c) + ":***")
              + uri.substring(at);
    }
    Matcher m = SECRET_PARAMETER.matcher(out);
    return m.find() ? m.replaceAll("$1***") : out;
  }

  /** The schemes the stores found take. */
  static List<String> schemes() {
    return List.copyOf(providers().keySet());
  }

  /** Every provider found, by scheme: the first one found for a scheme takes it. */
  private static Map<String, StoreProvider> providers() {
    Map<String, StoreProvider> out = new LinkedHashMap<>();
    Iterator<StoreProvider> it =
        ServiceLoader.load(StoreProvider.class, Stores.class.getClassLoader()).iterator();
    while (true) {
      StoreProvider p;
      try {
        if (!it.hasNext()) {
          break;
        }
        p = it.next();
      } catch (ServiceConfigurationError e) { // a broken jar must not hide the other stores
        LOG.log(System.Logger.Level.WARNING, "skipping a store provider: {0}", e.getMessage());
        continue;
      }
      for (String s : p.schemes()) {
        out.putIfAbsent(s.toLowerCase(Locale.ROOT), p);
      }
    }
    return out;
  }

  /** The scheme of {@code uri} in lower case (all of it if it has no ':'), or null if none. */
  private static String scheme(String uri) {
    String u = uri.strip();
    int colon = u.indexOf(':');
    String s = colon < 0 ? u : u.substring(0, colon);
    return SCHEME.matcher(s).matches() ? s.toLowerCase(Locale.ROOT) : null;
  }

  private static String unknown(String uri, String scheme, Map<String, StoreProvider> providers) {
    String known =
        providers.isEmpty()
            ? "no store was found at all: is sluice-core's META-INF/services on the class path?"
            : "the schemes known are "
                + String.join(", ", new TreeSet<>(providers.keySet()))
                + " (a store of another kind is a jar of its own on the class path)";
    if (uri == null || uri.isBlank()) {
      return "the store URI is empty; " + known;
    }
    if (scheme == null) {
      return "the store URI '" + masked(uri) + "' has no scheme (SCHEME://...); " + known;
    }
    String near = nearest(scheme, providers.keySet());
    return "unknown scheme '"
        + scheme
        + "' in the store URI '"
        + masked(uri)
        + "'"
        + (near != null ? " (did you mean " + near + "?)" : "")
        + "; "
        + known;
  }

  /** The known scheme {@code scheme} is most likely a misspelling of, or null. */
  private static String nearest(String scheme, Iterable<String> known) {
    String best = null;
    int bestDistance = 3; // two edits at most: a slip, not another word
    for (String k : known) {
      int d = distance(scheme, k);
      if (d < bestDistance && d < k.length()) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }

  /**
   * Edits (insertions, deletions, substitutions, swaps of neighbours) from {@code a} to {@code b}.
   */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
