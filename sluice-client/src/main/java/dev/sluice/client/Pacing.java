package dev.sluice.client;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * Whether and how a {@link RateLimitedClient} spaces its requests so that the remaining quota lasts
 * until the reset, instead of spending it in a burst and meeting 429s. Immutable.
 *
 * <p>With {@link #spread()} (the default), every response's limit headers ({@code X-RateLimit-*},
 * IETF {@code RateLimit} and {@code RateLimit-Policy}) and every 429's {@code Retry-After} feed one
 * shared timeline per quota, and each request waits for its slot on it: with {@code R} requests
 * remaining and the reset {@code T} away, one request starts every {@code T / R}, whichever thread
 * sends it, so many threads sharing one client stay under the server's limit. No wait exceeds the
 * policy's {@link RetryPolicy#maxWait() maxWait} or passes its deadline: a slot further away is
 * skipped and the request sent at once, the server deciding. Requests before the first reading are
 * not delayed.
 *
 * <p><b>Which requests share a quota.</b> By default, all requests to one origin (scheme, host and
 * port): right for the common "N requests per API key" limits. If the API has separate limits for
 * some endpoints (the IPTO document's "3 magic links an hour"), give a {@link #keyedBy key} that
 * groups requests by the limit that applies, or a reading from the strict endpoint will slow
 * everything else down.
 */
public final class Pacing {
  private static final Pacing OFF = new Pacing(false, Pacing::origin, null);

  private final boolean enabled;
  private final Function<HttpRequest, String> key;
  private final Duration assumedWindow;

  private Pacing(boolean enabled, Function<HttpRequest, String> key, Duration assumedWindow) {
    this.enabled = enabled;
    this.key = key;
    this.assumedWindow = assumedWindow;
  }

  /** No pacing: headers are still read and reported, but nothing waits for them. */
  public static Pacing off() {
    return OFF;
  }

  /** Spread requests over each window, one quota per origin (the default). */
  public static Pacing spread() {
    return new Pacing(true, Pacing::origin, null);
  }

  /**
   * This pacing with requests grouped into quotas by {@code key} (requests with equal keys share
   * one timeline); for example {@code r -> r.uri().getPath().startsWith("/auth/") ? "auth" :
   * "api"}.
   */
  public Pacing keyedBy(Function<HttpRequest, String> key) {
    return new Pacing(enabled, Objects.requireNonNull(key, "key"), assumedWindow);
  }

  /**
   * This pacing, taking the limit to be counted over {@code window} when the server does not say (a
   * {@code RateLimit-Policy} {@code w} still wins). For APIs that send a limit and a remaining but
   * no reset, such as {@code X-RateLimit-Limit: 1000} per minute: requests are spaced {@code window
   * / limit} apart from the first refusal on, instead of after the few refusals it takes to learn
   * the window (see {@link Pacer}). It is where learning starts, not a promise: a wrong window is
   * corrected by the refusals it causes.
   */
  public Pacing assumingWindow(Duration window) {
    Objects.requireNonNull(window, "window");
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("assumingWindow must be positive, got " + window);
    }
    return new Pacing(enabled, key, window);
  }

  /** Whether requests are paced. */
  public boolean enabled() {
    return enabled;
  }

  Function<HttpRequest, String> key() {
    return key;
  }

  long assumedWindowNanos() {
    return assumedWindow == null ? -1 : Nanos.of(assumedWindow);
  }

  @Override
  public String toString() {
    return enabled
        ? "Pacing.spread()" + (assumedWindow == null ? "" : " assuming " + assumedWindow)
        : "Pacing.off()";
  }

  private static String origin(HttpRequest request) {
    URI u = request.uri();
    return u.getScheme() + "://" + u.getRawAuthority();
  }
}
