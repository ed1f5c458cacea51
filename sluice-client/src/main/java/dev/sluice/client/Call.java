package dev.sluice.client;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One call of {@link RateLimitedClient#send} or {@code sendAsync}: the decisions, shared by the
 * blocking and the asynchronous drivers, which only wait and send as told. A driver does:
 *
 * <pre>
 *   cached()                       a fresh cached answer, or prepare the request to send
 *   loop:
 *     wait beforeAttempt()          pacing slot
 *     send wire() with wireHandler()
 *     afterResponse(response)       the caller's response, or null: wait retryWaitNanos() and loop
 *                                   (or a GiveUpException)
 *   failed()                       if sending or waiting failed
 * </pre>
 *
 * <p>The retry decision is taken in {@link #wireHandler()}, when the status and headers arrive and
 * before the body: the body of a response that will be retried is cancelled there, unread (a
 * stalled body must not hold up the retry), so the caller's body handler only ever sees the
 * response the caller gets (or the one attached to the exception). One call is driven by one thread
 * at a time; the fields written in the handler are read after the send's future completes, which
 * orders them.
 */
final class Call<T> {
  private static final Set<String> UNSAFE = Set.of("POST", "PUT", "DELETE", "PATCH");

  private enum Verdict {
    PASS,
    RETRY,
    GIVE_UP,
    REVALIDATED
  }

  private final RateLimitedClient client;
  private final HttpRequest request;
  private final BodyHandler<T> handler;
  private final Exchange exchange;
  private final String cacheKey;
  private ResponseCache.Entry validating;
  private HttpRequest wire;

  // decided when a response's head arrives
  private Verdict verdict;
  private long waitNanos;
  private HttpHeaders revalidatedHeaders;

  Call(RateLimitedClient client, HttpRequest request, BodyHandler<T> handler) {
    this.client = client;
    this.request = request;
    this.handler = handler;
    this.wire = request;
    this.exchange =
        new Exchange(
            client.engine,
            request,
            request.bodyPublisher().map(p -> p.contentLength() >= 0).orElse(true));
    this.cacheKey =
        client.cache != null && ResponseCache.applies(request) ? ResponseCache.key(request) : null;
  }

  /**
   * The answer from a fresh cache entry, or {@code null} if the network must be asked; then, if a
   * stale entry can be revalidated, {@link #wire()} becomes the conditional request.
   */
  CompletableFuture<HttpResponse<T>> cached() {
    if (cacheKey == null) {
      return null;
    }
    ResponseCache.Entry e = client.cache.get(cacheKey);
    if (e == null) {
      return null;
    }
    if (e.freshAt(client.sleeper.nanoTime()) && !ResponseCache.mustRevalidate(request)) {
      BodySubscriber<T> body =
          BodyReplay.replay(handler.apply(new Info(200, e.headers(), e.version())), e.body());
      return body.getBody()
          .toCompletableFuture()
          .thenApply(
              b -> {
                client.notifier.cacheHit(request, false);
                return new SyntheticResponse<>(request, 200, e.headers(), b, e.version(), null);
              });
    }
    if (e.hasValidator()) {
      HttpRequest.Builder conditional = HttpRequest.newBuilder(request, (name, value) -> true);
      e.headers().firstValue("ETag").ifPresent(v -> conditional.header("If-None-Match", v));
      e.headers()
          .firstValue("Last-Modified")
          .ifPresent(v -> conditional.header("If-Modified-Since", v));
      wire = conditional.build();
      validating = e;
    }
    return null;
  }

  /** Starts an attempt: reserves its pacing slot; returns how long to wait for it. */
  long beforeAttempt() {
    return exchange.beforeAttempt();
  }

  /** After the wait for the slot: 0 to send now, else how much longer to wait (the slot moved). */
  long recheck() {
    return exchange.recheck();
  }

  /** After a failed attempt: how long to wait before retrying it, or -1 to let it propagate. */
  long retryAfterFailure(IOException failure) {
    return exchange.onFailure(failure);
  }

  /** The request to send. */
  HttpRequest wire() {
    return wire;
  }

  /** The body handler to send it with. */
  BodyHandler<T> wireHandler() {
    return this::onHead;
  }

  /** {@link #failed()}, for a failure that is not retried; returns -1. */
  long failedNow() {
    failed();
    return -1;
  }

  /** The attempt failed without a response (or its wait was interrupted). */
  void failed() {
    exchange.failed();
  }

  /**
   * The response for the caller, or {@code null} if the request is to be retried after {@link
   * #retryWaitNanos()}.
   *
   * @throws GiveUpException if the request is abandoned
   */
  HttpResponse<T> afterResponse(HttpResponse<T> response) throws GiveUpException {
    switch (verdict) {
      case RETRY:
        return null;
      case GIVE_UP:
        GiveUpException e =
            new GiveUpException(
                exchange.gaveUp(), request, response, exchange.attempts(), exchange.serverWait());
        client.notifier.giveUp(request, e);
        throw e;
      case REVALIDATED:
        client.notifier.cacheHit(request, true);
        return new SyntheticResponse<>(
            request,
            200,
            revalidatedHeaders,
            response.body(),
            response.version(),
            response.sslSession().orElse(null));
      default:
        return response;
    }
  }

  /** How long to wait before the retry {@link #afterResponse} asked for. */
  long retryWaitNanos() {
    return waitNanos;
  }

  private BodySubscriber<T> onHead(ResponseInfo info) {
    long now = client.sleeper.nanoTime();
    Instant wall = client.sleeper.now();
    long wait = exchange.decide(info.statusCode(), info.headers());
    verdict =
        wait >= 0 ? Verdict.RETRY : exchange.gaveUp() != null ? Verdict.GIVE_UP : Verdict.PASS;
    waitNanos = Math.max(0, wait);
    switch (verdict) {
      case RETRY:
        return BodyReplay.abandoned();
      case GIVE_UP:
        return handler.apply(info);
      default:
        return pass(info, now, wall);
    }
  }

  /** The caller's subscriber for a response it gets, with the cache's part in it. */
  private BodySubscriber<T> pass(ResponseInfo info, long now, Instant wall) {
    ResponseCache cache = client.cache;
    int status = info.statusCode();
    if (validating != null && status == 304) {
      verdict = Verdict.REVALIDATED;
      revalidatedHeaders = ResponseCache.merge(validating.headers(), info.headers());
      long fresh = ResponseCache.freshness(revalidatedHeaders, wall);
      byte[] body = validating.body();
      if (fresh < 0) {
        cache.remove(cacheKey);
      } else {
        cache.put(
            cacheKey,
            new ResponseCache.Entry(
                body,
                revalidatedHeaders,
                info.version(),
                now,
                fresh,
                ResponseCache.size(cacheKey, body, revalidatedHeaders)));
      }
      return BodyReplay.revalidated(
          handler.apply(new Info(200, revalidatedHeaders, info.version())), body);
    }
    if (cacheKey != null && status == 200) {
      long fresh = ResponseCache.freshness(info.headers(), wall);
      if (fresh >= 0) {
        HttpHeaders headers = info.headers();
        HttpClient.Version version = info.version();
        return BodyReplay.tee(
            handler.apply(info),
            cache.maxBytes(),
            bytes ->
                cache.put(
                    cacheKey,
                    new ResponseCache.Entry(
                        bytes,
                        headers,
                        version,
                        now,
                        fresh,
                        ResponseCache.size(cacheKey, bytes, headers))));
      }
      cache.remove(cacheKey);
    } else if (cache != null && UNSAFE.contains(request.method()) && status < 400) {
      cache.invalidate(request.uri());
    }
    return handler.apply(info);
  }

  private record Info(int statusCode, HttpHeaders headers, HttpClient.Version version)
      implements ResponseInfo {}

  /** Rethrows the failure of a finished future as what a blocking caller expects. */
  static <R> R await(CompletableFuture<R> future) throws IOException, InterruptedException {
    try {
      return future.get();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause);
    }
  }
}
