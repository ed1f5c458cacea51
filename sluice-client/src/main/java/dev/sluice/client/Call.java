package dev.sluice.client;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.time.Duration;
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
  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
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
  private final long deadlineNanos;
  private final Pacer pacer;
  private final String cacheKey;
  private ResponseCache.Entry validating;
  private HttpRequest wire;
  private int attempts;
  private boolean reserved;
  private long slot;
  private long slotEpoch;

  // decided when a response's head arrives
  private Verdict verdict;
  private GiveUpException.Reason reason;
  private long waitNanos;
  private long serverWaitNanos;
  private RateLimitListener.WaitCause cause;
  private HttpHeaders revalidatedHeaders;

  Call(RateLimitedClient client, HttpRequest request, BodyHandler<T> handler) {
    this.client = client;
    this.request = request;
    this.handler = handler;
    this.wire = request;
    long start = client.sleeper.nanoTime();
    this.deadlineNanos =
        client.policy.deadline().map(d -> Nanos.add(start, Nanos.of(d))).orElse(Long.MAX_VALUE);
    this.pacer =
        client.pacers == null ? null : client.pacers.forKey(client.pacing.key().apply(request));
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
    long now = client.sleeper.nanoTime();
    if (attempts++ == 0 && client.budget != null) {
      client.budget.onRequest(now);
    }
    if (pacer == null) {
      return 0;
    }
    slotEpoch = pacer.epoch();
    slot = pacer.reserve(now, latest(now));
    reserved = true;
    long wait = slot - now;
    client.notifier.waiting(request, wait, RateLimitListener.WaitCause.PACING);
    return wait;
  }

  /**
   * After waiting for the slot {@link #beforeAttempt} gave: 0 if the request may go now, else how
   * much longer to wait, because a refusal meanwhile replaced the timeline the slot was on (the
   * request then takes a new slot, and the driver waits and asks again).
   */
  long recheck() {
    if (pacer == null || !reserved) {
      return 0;
    }
    long now = client.sleeper.nanoTime();
    long epoch = pacer.epoch();
    long confirmed = pacer.confirm(now, slot, slotEpoch, latest(now));
    if (confirmed == slot) {
      return 0;
    }
    slot = confirmed;
    slotEpoch = epoch;
    long wait = Math.max(1, confirmed - now);
    client.notifier.waiting(request, wait, RateLimitListener.WaitCause.PACING);
    return wait;
  }

  private long latest(long now) {
    return Math.min(Nanos.add(now, Nanos.of(client.policy.maxWait())), deadlineNanos);
  }

  /**
   * After an attempt failed with {@code failure} (no response): how long to wait before trying
   * again, or -1 to let the failure propagate. Idempotent requests with re-sendable bodies are
   * retried after transport failures (connection reset or refused, timeouts) with the same
   * back-off, attempts and budget as a 503 without {@code Retry-After}.
   */
  long retryAfterFailure(IOException failure) {
    failed();
    if (failure instanceof GiveUpException
        || failure instanceof java.net.UnknownHostException
        || failure instanceof javax.net.ssl.SSLHandshakeException
        || failure instanceof javax.net.ssl.SSLPeerUnverifiedException
        || Thread.currentThread().isInterrupted()) {
      return -1;
    }
    serverWaitNanos = -1;
    Verdict v = retryOrGiveUp(client.sleeper.nanoTime());
    if (v != Verdict.RETRY) {
      return -1;
    }
    client.notifier.retry(request, attempts + 1, -1);
    client.notifier.waiting(request, waitNanos, cause);
    return waitNanos;
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
    if (reserved) {
      reserved = false;
      pacer.release();
    }
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
        client.notifier.retry(request, attempts + 1, response.statusCode());
        client.notifier.waiting(request, waitNanos, cause);
        return null;
      case GIVE_UP:
        GiveUpException e =
            new GiveUpException(
                reason,
                request,
                response,
                attempts,
                serverWaitNanos >= 0 ? Duration.ofNanos(serverWaitNanos) : null);
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
    HttpHeaders headers = info.headers();
    int status = info.statusCode();
    QuotaReading reading = QuotaHeaders.parse(headers, wall);
    if (reading != null) {
      client.notifier.quota(request, reading);
    }
    long retryAfter = ServerTime.retryAfterNanos(headers, wall);
    boolean limited = status == 429 || (status == 503 && retryAfter >= 0);
    boolean unavailable = status == 503 && retryAfter < 0; // retried with back-off
    serverWaitNanos = -1;
    if (limited) {
      serverWait(retryAfter, reading, wall);
    }
    recordPacing(now, wall, reading, limited);
    if (unavailable) {
      serverWaitNanos = -1;
    }
    verdict = limited || unavailable ? retryOrGiveUp(now) : Verdict.PASS;
    switch (verdict) {
      case RETRY:
        return BodyReplay.abandoned();
      case GIVE_UP:
        return handler.apply(info);
      default:
        return pass(info, now, wall);
    }
  }

  /** The wait a rate-limited response asks for: Retry-After, else its reset, else none. */
  private void serverWait(long retryAfter, QuotaReading reading, Instant wall) {
    if (retryAfter >= 0) {
      serverWaitNanos = retryAfter;
      cause = RateLimitListener.WaitCause.RETRY_AFTER;
    } else if (reading != null
        && reading.resetAt().isPresent()
        && reading.remaining().orElse(0) == 0) {
      long untilReset = Nanos.between(wall, reading.resetAt().get());
      if (untilReset > 0) {
        serverWaitNanos = untilReset;
        cause = RateLimitListener.WaitCause.RESET;
      }
    }
  }

  private void recordPacing(long now, Instant wall, QuotaReading reading, boolean limited) {
    if (!reserved) {
      return;
    }
    reserved = false;
    long limit = reading == null ? -1 : reading.limit().orElse(-1);
    long window = reading == null ? -1 : reading.window().map(Nanos::of).orElse(-1L);
    if (limited) {
      long reset = serverWaitNanos >= 0 ? Nanos.add(now, serverWaitNanos) : Pacer.NONE;
      pacer.refused(now, limit, reset, window);
    } else if (reading != null) {
      long reset =
          reading.resetAt().map(r -> Nanos.add(now, Nanos.between(wall, r))).orElse(Pacer.NONE);
      pacer.record(now, limit, reading.remaining().orElse(-1), reset, window);
    } else {
      pacer.record(now, -1, -1, Pacer.NONE, -1);
    }
  }

  private Verdict retryOrGiveUp(long now) {
    RetryPolicy policy = client.policy;
    if (!policy.retryNonIdempotent()
        && !IDEMPOTENT.contains(request.method())
        && request.headers().firstValue("Idempotency-Key").isEmpty()) {
      return giveUp(GiveUpException.Reason.NOT_IDEMPOTENT);
    }
    if (!policy.retryUnknownLengthBodies()
        && request.bodyPublisher().map(p -> p.contentLength() < 0).orElse(false)) {
      return giveUp(GiveUpException.Reason.BODY_NOT_REPLAYABLE);
    }
    if (attempts >= policy.maxAttempts()) {
      return giveUp(GiveUpException.Reason.ATTEMPTS_EXHAUSTED);
    }
    long maxWait = Nanos.of(policy.maxWait());
    if (serverWaitNanos > maxWait) {
      return giveUp(GiveUpException.Reason.WAIT_TOO_LONG);
    }
    long wait = serverWaitNanos;
    if (wait < 0) {
      long ceiling = Backoff.ceilingNanos(Nanos.of(policy.initialBackoff()), maxWait, attempts);
      wait = Backoff.fullJitterNanos(ceiling, policy.jitter().getAsDouble());
      cause = RateLimitListener.WaitCause.BACKOFF;
    }
    if (Nanos.add(now, wait) > deadlineNanos) {
      return giveUp(GiveUpException.Reason.DEADLINE);
    }
    // The budget protects a failing server from a retry storm; a client waiting as long as the
    // server told it to is being paced, not storming, and is not charged.
    boolean told = serverWaitNanos > 0;
    if (!told && client.budget != null && !client.budget.tryRetry(now)) {
      return giveUp(GiveUpException.Reason.RETRY_BUDGET);
    }
    waitNanos = wait;
    return Verdict.RETRY;
  }

  private Verdict giveUp(GiveUpException.Reason why) {
    reason = why;
    return Verdict.GIVE_UP;
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
