package dev.sluice.jwt;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.sluice.core.Ticker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A JSON Web Key Set from a URL or a file, kept in memory and refreshed without ever blocking a
 * request.
 *
 * <p>The set is read once, synchronously, when the policy is loaded (a set that cannot be read
 * fails the load). After that, a lookup that finds the set older than {@link #MAX_AGE}, or that
 * asks for a key id the set lacks (the issuer has rotated its keys), starts one background refresh
 * and answers from the set it has; the refreshed set serves the requests after it. Refreshes for
 * unknown key ids are at most one per {@link #MIN_INTERVAL}, so tokens with made-up key ids cannot
 * make Sluice hammer the issuer. A refresh that fails keeps the old set.
 */
final class Jwks {
  static final Duration MAX_AGE = Duration.ofMinutes(5);
  static final Duration MIN_INTERVAL = Duration.ofSeconds(30);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private record Snapshot(JWKSet set, long fetchedAtMicros) {}

  private final URI location;
  private final Ticker ticker;
  private final HttpClient http;
  private volatile Snapshot current;
  private volatile long lastAttemptMicros;
  private final AtomicReference<CompletableFuture<Void>> refreshing = new AtomicReference<>();

  /**
   * Reads the set at {@code location} ({@code https://}, {@code http://} or {@code file:}).
   *
   * @throws IllegalArgumentException if it cannot be read or is no key set
   */
  Jwks(URI location, Ticker ticker) {
    this.location = location;
    this.ticker = ticker;
    this.http =
        location.getScheme().startsWith("http")
            ? HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance for one small GET
                .connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build()
            : null;
    long now = ticker.epochMicros();
    lastAttemptMicros = now;
    String text;
    try {
      text = fetch().get(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the JWKS at " + location + ": " + e, e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalArgumentException(
          "cannot read the JWKS at " + location + ": " + e.getCause().getMessage(), e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalArgumentException("cannot read the JWKS at " + location + ": timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalArgumentException("interrupted while reading the JWKS at " + location, e);
    }
    try {
      current = new Snapshot(parse(text), now);
    } catch (ParseException e) {
      throw new IllegalArgumentException(
          "the JWKS at " + location + " is not a JSON Web Key Set: " + e.getMessage(), e);
    }
  }

  /** The key with id {@code kid} ({@code null}: the set's only key), or {@code null}. */
  JWK key(String kid) {
    Snapshot s = current;
    long now = ticker.epochMicros();
    if (now - s.fetchedAtMicros() >= MAX_AGE.toNanos() / 1000) {
      refresh(now);
    }
    JWK k;
    if (kid == null) {
      k = s.set().getKeys().size() == 1 ? s.set().getKeys().get(0) : null;
    } else {
      k = s.set().getKeyByKeyId(kid);
    }
    if (k == null && now - lastAttemptMicros >= MIN_INTERVAL.toNanos() / 1000) {
      refresh(now);
    }
    return k;
  }

  /**
   * The refresh in flight, or a completed future: for tests, which wait on it instead of sleeping.
   */
  CompletableFuture<Void> refreshing() {
    CompletableFuture<Void> f = refreshing.get();
    return f != null ? f : CompletableFuture.completedFuture(null);
  }

  private void refresh(long now) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    if (!refreshing.compareAndSet(null, mine)) {
      return; // one in flight already
    }
    lastAttemptMicros = now;
    CompletableFuture<String> fetched;
    if (http == null) { // a file: read off the request's thread, which may be an event loop
      fetched =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return fetch().join();
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
    } else {
      try {
        fetched = fetch();
      } catch (IOException e) {
        fetched = CompletableFuture.failedFuture(e);
      }
    }
    fetched.whenComplete(
        (text, failure) -> {
          if (failure == null) {
            try {
              current = new Snapshot(parse(text), ticker.epochMicros());
            } catch (ParseException e) {
              // keep the set we have: a broken publication must not drop every key
            }
          }
          refreshing.set(null);
          mine.complete(null);
        });
  }

  private CompletableFuture<String> fetch() throws IOException {
    if (http == null) {
      return CompletableFuture.completedFuture(
          Files.readString(Path.of(location), StandardCharsets.UTF_8));
    }
    HttpRequest request =
        HttpRequest.newBuilder(location)
            .timeout(TIMEOUT)
            .header("Accept", "application/json")
            .GET()
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            r -> {
              if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode());
              }
              return r.body();
            });
  }

  private static JWKSet parse(String text) throws ParseException {
    JWKSet set = JWKSet.parse(text);
    for (JWK k : set.getKeys()) {
      if (k.isPrivate()) {
        // Publishing private keys is a mistake; verifying needs the public halves only.
        return new JWKSet(set.toPublicJWKSet().getKeys());
      }
    }
    return set;
  }

  @Override
  public String toString() {
    return location.toString();
  }
}
