package dev.sluice.server.ops;

import dev.sluice.core.Ticker;
import dev.sluice.core.store.Futures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Delivers webhook events: an HTTP POST of the event's JSON, signed ({@link Signature}), with the
 * JDK's asynchronous {@link HttpClient}; never on a request's path.
 *
 * <p>An attempt fails on a connection error, on no answer within the timeout (5 s), or on a 5xx,
 * 408 or 429 answer; it is retried after {@code backoff}, then twice that, and so on (1 s, 2 s, 4
 * s, 8 s by default), up to {@code attempts} attempts in all; any other answer ends the delivery
 * (2xx: delivered; other 4xx: the receiver refused it, and retrying would not help). Each attempt
 * is signed anew, with its own time.
 *
 * <p>Bounded: at most {@code maxPending} deliveries are in flight or waiting for a retry; an event
 * that arrives beyond that is dropped and counted, so an endpoint that hangs or is down costs at
 * most {@code maxPending} events' worth of memory. The outcome of the last {@value #RECENT}
 * deliveries is kept for the dashboard.
 */
final class WebhookSender implements AutoCloseable {
  static final int RECENT = 100;

  /** How a delivery ended. */
  record Result(
      long timeMicros,
      String url,
      String type,
      String rule,
      String limit,
      String identity,
      int threshold,
      boolean shadow,
      String outcome,
      int status,
      int attempts,
      String error) {
    JsonObject toJson() {
      return new JsonObject()
          .put("time", Epoch.instant(timeMicros).toString())
          .put("url", url)
          .put("rule", rule)
          .put("limit", limit)
          .put("identity", identity)
          .put("threshold", threshold)
          .put("shadow", shadow)
          .put("outcome", outcome)
          .put("status", status)
          .put("attempts", attempts)
          .put("error", error);
    }
  }

  /**
   * The answer's status is all a delivery needs: its body is never read, the response completes
   * once the status line and headers are in (which the timeout bounds), and the connection is
   * closed. Reading the body (as {@code BodyHandlers.discarding()} does) would let a receiver that
   * streams one without end, or one byte a minute, hold a delivery, and its place among the {@code
   * maxPending}, for ever: the request timeout stops at the headers.
   */
  static final HttpResponse.BodyHandler<Void> STATUS_ONLY =
      info ->
          new HttpResponse.BodySubscriber<>() {
            @Override
            public CompletionStage<Void> getBody() {
              return CompletableFuture.completedFuture(null);
            }

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
              subscription.cancel();
            }

            @Override
            public void onNext(List<ByteBuffer> item) {}

            @Override
            public void onError(Throwable throwable) {}

            @Override
            public void onComplete() {}
          };

  private final HttpClient http;
  private final ScheduledExecutorService retries;
  private final Ticker clock;
  private final Function<String, String> secrets;
  private final Duration timeout;
  private final Duration backoff;
  private final int attempts;
  private final int maxPending;
  private final AtomicInteger pending = new AtomicInteger();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder retried = new LongAdder();
  private final ArrayDeque<Result> recent = new ArrayDeque<>();

  WebhookSender(
      Ticker clock,
      Function<String, String> secrets,
      Duration timeout,
      Duration backoff,
      int attempts,
      int maxPending) {
    this.clock = clock;
    this.secrets = secrets;
    this.timeout = timeout;
    this.backoff = backoff;
    this.attempts = attempts;
    this.maxPending = maxPending;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.retries =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sluice-webhook-retries");
              t.setDaemon(true);
              return t;
            });
  }

  /** One event for one webhook. */
  record Delivery(URI url, String secretEnv, JsonObject event) {}

  /** Queues {@code d} for delivery, or drops it (and counts it) if too many are pending. */
  void submit(Delivery d) {
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      dropped.increment();
      remember(d, "dropped", 0, 0, "more than " + maxPending + " deliveries pending");
      return;
    }
    attempt(d, 1);
  }

  private void attempt(Delivery d, int n) {
    try {
      send(d, n);
    } catch (RuntimeException e) { // never leave a delivery pending for good
      finish(d, "failed", 0, n, describe(e));
    }
  }

  private void send(Delivery d, int n) {
    String secret = secrets.apply(d.secretEnv());
    if (secret == null || secret.isEmpty()) {
      finish(d, "failed", 0, n, "environment variable " + d.secretEnv() + " is not set");
      return;
    }
    String body = d.event().encode();
    long t = Math.floorDiv(clock.epochMicros(), 1_000_000L);
    HttpRequest request =
        HttpRequest.newBuilder(d.url())
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", "sluice-webhooks")
            .header(Signature.HEADER, Signature.header(secret, t, body))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    http.sendAsync(request, STATUS_ONLY)
        .whenComplete(
            (r, e) -> {
              int status = r == null ? 0 : r.statusCode();
              if (e == null && status >= 200 && status < 300) {
                delivered.increment();
                finish(d, "delivered", status, n, null);
                return;
              }
              boolean retryable = e != null || status >= 500 || status == 408 || status == 429;
              String error = e != null ? describe(e) : "HTTP " + status;
              if (retryable && n < attempts) {
                retried.increment();
                long delayMs = backoff.toMillis() << Math.min(20, n - 1);
                try {
                  retries.schedule(() -> attempt(d, n + 1), delayMs, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closed) {
                  finish(d, "failed", status, n, error + " (shutting down)");
                }
                return;
              }
              finish(d, "failed", status, n, error);
            });
  }

  private static String describe(Throwable e) {
    Throwable c = Futures.cause(e);
    String m = c.getMessage();
    return c.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /** Ends a delivery: every failure is counted, whatever ended it. */
  private void finish(Delivery d, String outcome, int status, int n, String error) {
    pending.decrementAndGet();
    if (outcome.equals("failed")) {
      failed.increment();
    }
    remember(d, outcome, status, n, error);
  }

  private void remember(Delivery d, String outcome, int status, int n, String error) {
    JsonObject e = d.event();
    Result r =
        new Result(
            clock.epochMicros(),
            shown(d.url()),
            e.getString("type"),
            e.getString("rule"),
            e.getString("limit"),
            e.getString("identity"),
            e.getInteger("threshold", 0),
            e.getBoolean("shadow", false),
            outcome,
            status,
            n,
            error);
    synchronized (recent) {
      if (recent.size() == RECENT) {
        recent.removeFirst();
      }
      recent.addLast(r);
    }
  }

  /**
   * A receiver's URL as the dashboard and {@code /admin/stats} show it: scheme, host and port, the
   * rest elided. Many receivers (Slack's, say) carry their secret in the path or the query, and a
   * dashboard is a page people put on shared screens.
   */
  static String shown(java.net.URI url) {
    String origin =
        url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    String path = url.getRawPath();
    boolean more =
        (path != null && !path.isEmpty() && !path.equals("/")) || url.getRawQuery() != null;
    return origin + (more ? "/…" : "/");
  }

  /** The last deliveries, newest first. */
  JsonArray recentJson() {
    JsonArray a = new JsonArray();
    synchronized (recent) {
      for (Iterator<Result> it = recent.descendingIterator(); it.hasNext(); ) {
        a.add(it.next().toJson());
      }
    }
    return a;
  }

  JsonObject countsJson() {
    return new JsonObject()
        .put("pending", pending.get())
        .put("delivered", delivered.sum())
        .put("failed", failed.sum())
        .put("dropped", dropped.sum())
        .put("retried", retried.sum());
  }

  long delivered() {
    return delivered.sum();
  }

  long failed() {
    return failed.sum();
  }

  long dropped() {
    return dropped.sum();
  }

  int pending() {
    return pending.get();
  }

  @Override
  public void close() {
    retries.shutdownNow();
  }
}
