package dev.sluice.server.ops;

import dev.sluice.core.Ticker;
import dev.sluice.core.policy.Durations;
import dev.sluice.core.store.Futures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Delivers webhook events: an HTTP POST of the event's JSON, signed ({@link Signature}), with the
 * JDK's asynchronous {@link HttpClient}; never on a request's path. Delivery is at least once: an
 * event is kept in a {@link WebhookQueue} (journalled in the state directory) until a receiver
 * answers 2xx, across restarts; receivers dedupe by the event's {@code id}, the same on every
 * attempt.
 *
 * <p>An attempt fails on a connection error, on no answer within the timeout (5 s), or on a 5xx,
 * 408 or 429 answer; it is tried again as {@link WebhookRetry} says (exponential back-off with
 * jitter, for 24 h by default), then failed for good. Any other answer ends the delivery (2xx:
 * delivered; other 4xx and 3xx: the receiver refused it, and retrying would not help). Each attempt
 * is signed anew, with its own time. Failed events are kept (the last {@code keepFailed}) for an
 * operator to re-send ({@link #resend}) or remove.
 *
 * <p>Threads: all state is guarded by this object's lock. Events arrive from the recorder's thread
 * ({@link #submit}: queued and journalled, not yet forced to the disk); the <em>pump</em> (on the
 * sender's own thread, or the {@link WebhookTimer}'s when a retry is due) forces the journal to the
 * disk once for all that arrived, then starts every due attempt, at most {@value #MAX_IN_FLIGHT} at
 * a time, and asks the timer to wake it when the next is due; outcomes arrive on the HTTP client's
 * threads and ask for a pump. So one {@code fsync} covers a burst of events, and an event is on the
 * disk before its first attempt.
 *
 * <p>Bounded: the queue holds at most {@code capacity} events (a full queue pushes out its oldest,
 * counted as dropped and logged at most once a minute), at most {@value #MAX_IN_FLIGHT} attempts
 * are in flight, and the outcome of the last {@value #RECENT} deliveries is kept for the dashboard.
 */
final class WebhookSender implements AutoCloseable {
  static final int RECENT = 100;
  static final int MAX_IN_FLIGHT = 64;
  private static final System.Logger LOG = System.getLogger("sluice.webhooks");
  private static final long DROP_LOG_EVERY_MICROS = 60_000_000L;

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
   * MAX_IN_FLIGHT}, for ever: the request timeout stops at the headers.
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
  private final ExecutorService worker;
  private final ScheduledExecutorService ownTimer;
  private final WebhookTimer timer;
  private final Ticker clock;
  private final Function<String, String> secrets;
  private final Duration timeout;
  private final WebhookRetry retry;
  private final WebhookQueue queue;
  private final AtomicBoolean pumpAsked = new AtomicBoolean();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder retried = new LongAdder();
  private final ArrayDeque<Result> recent = new ArrayDeque<>();
  private int inFlight;
  private long wakeAtMicros = Long.MAX_VALUE;
  private long dropsUnlogged;
  private long dropLoggedMicros = Long.MIN_VALUE;
  private boolean closed;

  /**
   * A sender whose queue is journalled in {@code journal} (read back now), or kept in memory only
   * if it is {@code null}; {@code timer} null for one of its own on the system clock.
   *
   * @throws java.io.UncheckedIOException if the journal cannot be read or rewritten
   */
  WebhookSender(
      Ticker clock,
      WebhookTimer timer,
      Function<String, String> secrets,
      Duration timeout,
      WebhookRetry retry,
      int capacity,
      int keepFailed,
      Path journal) {
    this.clock = clock;
    this.secrets = secrets;
    this.timeout = timeout;
    this.retry = retry;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.queue =
        new WebhookQueue(
            capacity,
            keepFailed,
            journal == null ? null : new WebhookJournal(journal),
            this::droppedOne);
    synchronized (this) {
      int skipped = queue.load(clock.epochMicros());
      if (queue.pending() > 0 || queue.failedCount() > 0 || skipped > 0) {
        LOG.log(
            Level.INFO,
            "webhooks: {0} event(s) waiting for delivery and {1} failed for good read from {2}"
                + " ({3} unreadable line(s) skipped)",
            queue.pending(),
            queue.failedCount(),
            journal,
            skipped);
      }
    }
    this.worker = Executors.newSingleThreadExecutor(daemon("sluice-webhooks"));
    if (timer == null) {
      ScheduledExecutorService s =
          Executors.newSingleThreadScheduledExecutor(daemon("sluice-webhook-retries"));
      this.ownTimer = s;
      this.timer =
          (task, delayMicros) -> s.schedule(task, Math.max(0, delayMicros), TimeUnit.MICROSECONDS);
    } else {
      this.ownTimer = null;
      this.timer = timer;
    }
    askPump();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** One event for one webhook. */
  record Delivery(URI url, String secretEnv, JsonObject event) {}

  /** Queues {@code d} for delivery (its event's {@code id} names it; one is given if missing). */
  void submit(Delivery d) {
    JsonObject event = d.event();
    String id = event.getString("id");
    if (id == null) {
      id = java.util.UUID.randomUUID().toString();
      event.put("id", id);
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      queue.add(id, d.url(), d.secretEnv(), event, clock.epochMicros());
    }
    askPump();
  }

  /** Asks for a pump on the sender's thread; many asks before it runs make one pump. */
  private void askPump() {
    if (pumpAsked.compareAndSet(false, true)) {
      try {
        worker.execute(
            () -> {
              pumpAsked.set(false);
              pump();
            });
      } catch (RejectedExecutionException closing) {
        pumpAsked.set(false);
      }
    }
  }

  /** A retry's time came: see what is due. */
  private void wake() {
    synchronized (this) {
      wakeAtMicros = Long.MAX_VALUE;
    }
    pump();
  }

  /** Forces the journal to the disk, starts every due attempt, and sets the next wake-up. */
  private synchronized void pump() {
    if (closed) {
      return;
    }
    queue.sync();
    long now = clock.epochMicros();
    for (WebhookQueue.Entry e : queue.takeDue(now, MAX_IN_FLIGHT - inFlight)) {
      inFlight++;
      try {
        send(e);
      } catch (RuntimeException x) { // never leave an attempt in flight for good
        completed(e, null, x);
      }
    }
    try {
      queue.compactIfNeeded();
    } catch (java.io.UncheckedIOException x) {
      LOG.log(Level.WARNING, "compacting the webhook journal failed: {0}", x.getMessage());
    }
    long next = queue.nextDueMicros();
    if (next < wakeAtMicros && inFlight < MAX_IN_FLIGHT) {
      wakeAtMicros = next;
      timer.schedule(this::wake, next - now);
    }
  }

  private void send(WebhookQueue.Entry e) {
    String secret = secrets.apply(e.secretEnv);
    if (secret == null || secret.isEmpty()) {
      inFlight--;
      give(e, "environment variable " + e.secretEnv + " is not set", 0);
      return;
    }
    String body = e.event.encode();
    long t = Math.floorDiv(clock.epochMicros(), 1_000_000L);
    HttpRequest request =
        HttpRequest.newBuilder(e.url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", "sluice-webhooks")
            .header(Signature.HEADER, Signature.header(secret, t, body))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    http.sendAsync(request, STATUS_ONLY).whenComplete((r, x) -> completed(e, r, x));
  }

  /** An attempt's outcome: delivered, to be tried again, or failed for good. */
  private void completed(WebhookQueue.Entry e, HttpResponse<Void> r, Throwable x) {
    synchronized (this) {
      inFlight--;
      if (closed) {
        return; // still in the journal: sent again after the restart
      }
      int status = r == null ? 0 : r.statusCode();
      long now = clock.epochMicros();
      if (x == null && status >= 200 && status < 300) {
        if (queue.holds(e)) {
          delivered.increment();
          remember(e, "delivered", status, null);
        }
        queue.delivered(e);
      } else {
        boolean retryable = x != null || status >= 500 || status == 408 || status == 429;
        String error = x != null ? describe(x) : "HTTP " + status;
        long next =
            retryable
                ? retry.nextAttemptMicros(
                    e.createdMicros, now, n -> ThreadLocalRandom.current().nextLong(n))
                : -1;
        if (next >= 0) {
          if (queue.holds(e)) {
            retried.increment();
          }
          queue.retryAt(e, next);
        } else {
          give(
              e,
              retryable ? error + " (retried for " + label(retry.retryFor()) + ")" : error,
              status);
        }
      }
    }
    askPump();
  }

  /** {@code 10s}, {@code 36h}, {@code 1 day}. */
  static String label(Duration d) {
    String l = Durations.label(d);
    return Character.isDigit(l.charAt(0)) ? l : "1 " + l;
  }

  /** Fails {@code e} for good. Under the lock. */
  private void give(WebhookQueue.Entry e, String reason, int status) {
    if (queue.holds(e)) {
      failed.increment();
      remember(e, "failed", status, reason);
    }
    queue.fail(e, reason, status, clock.epochMicros());
  }

  /** The queue pushed {@code e} out (it was full). Under the lock. */
  private void droppedOne(WebhookQueue.Entry e) {
    dropped.increment();
    remember(e, "dropped", 0, e.reason);
    dropsUnlogged++;
    long now = clock.epochMicros();
    if (dropLoggedMicros == Long.MIN_VALUE || now - dropLoggedMicros >= DROP_LOG_EVERY_MICROS) {
      LOG.log(
          Level.WARNING,
          "webhooks: {0} event(s) dropped since the last such message: the queue was full, its"
              + " oldest events were pushed out (listed in GET /admin/webhooks/failed; raise"
              + " --webhook-queue, or bring the receiver back)",
          dropsUnlogged);
      dropsUnlogged = 0;
      dropLoggedMicros = now;
    }
  }

  /**
   * The events failed for good, newest first, at most {@code max}, as {@code GET
   * /admin/webhooks/failed} lists them.
   */
  synchronized JsonArray failedJson(int max) {
    JsonArray a = new JsonArray();
    for (WebhookQueue.Entry e : queue.failedNewestFirst()) {
      if (a.size() == max) {
        break;
      }
      a.add(e.toJson());
    }
    return a;
  }

  /** The failed event {@code id} as listed, or {@code null}. */
  synchronized JsonObject failedJson(String id) {
    WebhookQueue.Entry e = queue.failed(id);
    return e == null ? null : e.toJson();
  }

  /**
   * Queues the failed event {@code id} again (same id, a new retry time from now); {@code false} if
   * no failed event has that id.
   */
  boolean resend(String id) {
    boolean found;
    synchronized (this) {
      found = !closed && queue.resend(id, clock.epochMicros());
    }
    if (found) {
      askPump();
    }
    return found;
  }

  /** Forgets the failed event {@code id}; {@code false} if no failed event has that id. */
  boolean remove(String id) {
    boolean found;
    synchronized (this) {
      found = !closed && queue.remove(id);
    }
    if (found) {
      askPump(); // forces the removal to the disk
    }
    return found;
  }

  private static String describe(Throwable e) {
    Throwable c = Futures.cause(e);
    String m = c.getMessage();
    return c.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private void remember(WebhookQueue.Entry d, String outcome, int status, String error) {
    JsonObject e = d.event;
    Result r =
        new Result(
            clock.epochMicros(),
            shown(d.url),
            e.getString("type"),
            e.getString("rule"),
            e.getString("limit"),
            e.getString("identity"),
            e.getInteger("threshold", 0),
            e.getBoolean("shadow", false),
            outcome,
            status,
            d.attempts,
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

  synchronized JsonObject countsJson() {
    return new JsonObject()
        .put("pending", queue.pending())
        .put("in_flight", inFlight)
        .put("delivered", delivered.sum())
        .put("failed", failed.sum())
        .put("failed_kept", queue.failedCount())
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

  long retried() {
    return retried.sum();
  }

  /** Events waiting for delivery (in flight or not). */
  synchronized int pending() {
    return queue.pending();
  }

  /** Events failed for good and kept for a re-send. */
  synchronized int failedKept() {
    return queue.failedCount();
  }

  /**
   * Stops: what was queued is forced to the disk; attempts in flight are abandoned (their events
   * stay in the journal and are sent again after a restart).
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      queue.sync();
      queue.close();
    }
    worker.shutdownNow();
    if (ownTimer != null) {
      ownTimer.shutdownNow();
    }
  }
}
