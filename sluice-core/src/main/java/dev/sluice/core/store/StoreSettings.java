package dev.sluice.core.store;

import dev.sluice.core.Ticker;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Stores#open} passes to a store besides its URI: what every store may take (the
 * timeout, whether to connect in the background), and options of one kind of store, by name (the
 * memory store's {@code max-buckets}, for one). A store ignores the common settings that mean
 * nothing to it (the memory store waits on nothing), and refuses an option it does not know.
 *
 * <pre>{@code
 * Store store = Stores.open("redis://redis.internal:6379",
 *     StoreSettings.builder().timeout(Duration.ofMillis(100)).build());
 * }</pre>
 */
public final class StoreSettings {
  /** The default {@link #timeout()}: 250 ms. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(250);

  private static final StoreSettings DEFAULTS = builder().build();

  private final Duration timeout;
  private final boolean connectInBackground;
  private final String password;
  private final Ticker ticker;
  private final Map<String, String> options;

  private StoreSettings(Builder b) {
    this.timeout = b.timeout;
    this.connectInBackground = b.connectInBackground;
    this.password = b.password;
    this.ticker = b.ticker;
    this.options = Collections.unmodifiableMap(new LinkedHashMap<>(b.options));
  }

  /** The defaults: a timeout of 250 ms, connecting at once, no options. */
  public static StoreSettings defaults() {
    return DEFAULTS;
  }

  /** A builder, starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * How long a store that waits on something (a network round trip) may take to answer a call
   * before the call fails with a {@link StoreUnavailableException}, and the engine applies the
   * policy's {@code on-store-failure} mode.
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * What a store that cannot be reached when it is opened does: fail ({@code false}, the default),
   * or ({@code true}) open anyway and keep trying to connect in the background, every call failing
   * with a {@link StoreUnavailableException} until it connects.
   */
  public boolean connectInBackground() {
    return connectInBackground;
  }

  /**
   * The password a store that authenticates uses when its URI carries none, so that the URI, which
   * is shown in banners and messages, need not hold it. A store whose URI carries a password too
   * refuses to open (two sources of one secret drift apart); a store that authenticates no one
   * ignores it. Never shown: not by {@link #toString}, not by any of sluice's stores.
   */
  public Optional<String> password() {
    return Optional.ofNullable(password);
  }

  /**
   * The clock of a store that keeps time itself (the memory store), if one was given; a store whose
   * time is its server's (Redis, by its {@code TIME}) ignores it. Unset, the memory store reads
   * {@link Ticker#system()}, a clock refreshed by a thread every millisecond: the cheaper choice
   * past a few hundred thousand decisions a second. An app deciding fewer (a Servlet app) pays less
   * with {@link Ticker#precise()}, which starts no thread.
   */
  public Optional<Ticker> ticker() {
    return Optional.ofNullable(ticker);
  }

  /** The options of one kind of store, by name, in the order they were set. */
  public Map<String, String> options() {
    return options;
  }

  /** The value of option {@code name}, if it was set. */
  public Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  /** The settings, with the password (if any) shown as {@code ***}. */
  @Override
  public String toString() {
    return "StoreSettings[timeout="
        + timeout
        + ", connectInBackground="
        + connectInBackground
        + (password != null ? ", password=***" : "")
        + ", options="
        + options
        + "]";
  }

  /** Configures {@link StoreSettings}. */
  public static final class Builder {
    private Duration timeout = DEFAULT_TIMEOUT;
    private boolean connectInBackground;
    private String password;
    private Ticker ticker;
    private final Map<String, String> options = new LinkedHashMap<>();

    private Builder() {}

    /**
     * See {@link StoreSettings#timeout()} (default 250 ms).
     *
     * @throws IllegalArgumentException unless positive
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the store timeout must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** See {@link StoreSettings#connectInBackground()} (default {@code false}). */
    public Builder connectInBackground(boolean connectInBackground) {
      this.connectInBackground = connectInBackground;
      return this;
    }

    /**
     * See {@link StoreSettings#password()} (default none).
     *
     * @throws IllegalArgumentException if {@code password} is empty
     */
    public Builder password(String password) {
      Objects.requireNonNull(password, "password");
      if (password.isEmpty()) {
        throw new IllegalArgumentException("the store password is empty");
      }
      this.password = password;
      return this;
    }

    /** See {@link StoreSettings#ticker()}. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Sets option {@code name} (replacing its value if it was set), for the store to read as it
     * documents, e.g. {@code option("max-buckets", "5000000")}.
     *
     * @param name lower-case letters and digits, in words joined by {@code -}
     * @throws IllegalArgumentException if {@code name} is not such a name
     */
    public Builder option(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (!name.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
        throw new IllegalArgumentException(
            "store option name '"
                + name
                + "' must be lower-case letters and digits in words joined by '-', e.g."
                + " max-buckets");
      }
      options.put(name, value);
      return this;
    }

    /** The settings. */
    public StoreSettings build() {
      return new StoreSettings(this);
    }
  }
}
