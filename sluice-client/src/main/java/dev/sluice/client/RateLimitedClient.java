package dev.sluice.client;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;

/**
 * An {@link HttpClient} wrapper that lives within the rate limits of the APIs it calls: what the
 * "best practices" of the IPTO and Convotic rate-limit pages ask of a client, done once.
 *
 * <pre>{@code
 * RateLimitedClient client = RateLimitedClient.builder(HttpClient.newHttpClient())
 *     .policy(RetryPolicy.builder().maxAttempts(5).deadline(Duration.ofMinutes(2)).build())
 *     .pacing(Pacing.spread())
 *     .cache(1_000, 16 << 20)
 *     .listener(new RateLimitListener() {
 *       public void onWait(HttpRequest r, Duration wait, WaitCause cause) {
 *         log.info("waiting {} ({}) before {}", wait, cause, r.uri());
 *       }
 *     })
 *     .build();
 * HttpResponse<String> r = client.send(request, BodyHandlers.ofString());
 * }</pre>
 *
 * <p>What {@link #send} does with a request:
 *
 * <ol>
 *   <li><b>Cache</b> (if {@linkplain Builder#cache enabled}): a GET with a fresh stored response is
 *       answered from memory; a stale one that has a validator is sent as a conditional request,
 *       and a 304 answers with the stored body as a 200.
 *   <li><b>Pacing</b> (on by default, see {@link Builder#pacing}): the request waits for its slot
 *       on its quota's timeline, so the remaining quota is spread until the reset.
 *   <li><b>Send</b> through the wrapped client. The limit headers of every response are read,
 *       reported to the listeners as a {@link QuotaReading} and fed to the pacer.
 *   <li><b>Retry</b> a rate-limited response (429, or 503 with {@code Retry-After}) as the {@link
 *       RetryPolicy} says: after exactly the {@code Retry-After} (seconds, decimal seconds or
 *       HTTP-date), else until the announced reset, else after an exponential back-off with full
 *       jitter from 1 s; the same {@code HttpRequest} is sent again, body included. The body of a
 *       retried response is discarded unread by the caller's handler.
 *   <li><b>Give up</b> with a {@link GiveUpException} saying why, with the last response, when the
 *       policy says so. Any other response, whatever its status, is returned as it is. A 503
 *       without {@code Retry-After}, and I/O failures (connection reset or refused, timeouts) of
 *       idempotent requests, are retried after back-off within the same attempts, deadline and
 *       budget; other I/O failures propagate as from {@code HttpClient.send}.
 * </ol>
 *
 * <p>The decisions are those of a {@link RateLimitEngine}, which adapters for other HTTP stacks
 * drive too.
 *
 * <p>A client is immutable and thread-safe; share one per API, as its pacing and retry budget are
 * per client. It does not own the wrapped {@code HttpClient}.
 */
public final class RateLimitedClient {
  final HttpClient http;
  final RetryPolicy policy;
  final Pacing pacing;
  final RateLimitEngine engine;
  final ResponseCache cache;
  final Notifier notifier;
  final Sleeper sleeper;
  private final Executor executor;

  private RateLimitedClient(Builder b) {
    this.http = b.http;
    this.policy = b.policy;
    this.pacing = b.pacing;
    RateLimitEngine.Builder engine =
        RateLimitEngine.builder().policy(b.policy).pacing(b.pacing).sleeper(b.sleeper);
    b.listeners.forEach(engine::listener);
    this.engine = engine.build();
    this.cache = b.cacheEntries > 0 ? new ResponseCache(b.cacheEntries, b.cacheBytes) : null;
    this.notifier = this.engine.notifier;
    this.sleeper = b.sleeper;
    this.executor = b.http.executor().orElseGet(ForkJoinPool::commonPool);
  }

  /** A builder for a client that sends through {@code http}. */
  public static Builder builder(HttpClient http) {
    return new Builder(Objects.requireNonNull(http, "http"));
  }

  /**
   * Sends {@code request}, blocking, with the waits, retries, pacing and caching described above;
   * returns the response, whose body {@code handler} made.
   *
   * @throws GiveUpException if a rate-limited request was abandoned (the reason and the last
   *     response inside)
   * @throws IOException if sending failed, as {@link HttpClient#send}
   * @throws InterruptedException if interrupted while waiting or sending
   */
  public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler)
      throws IOException, InterruptedException {
    Call<T> call =
        new Call<>(
            this,
            Objects.requireNonNull(request, "request"),
            Objects.requireNonNull(handler, "handler"));
    CompletableFuture<HttpResponse<T>> hit = call.cached();
    if (hit != null) {
      return Call.await(hit);
    }
    while (true) {
      HttpResponse<T> response;
      boolean sent = false;
      try {
        long wait = call.beforeAttempt();
        while (wait > 0) {
          sleep(wait);
          wait = call.recheck();
        }
        response = http.send(call.wire(), call.wireHandler());
        sent = true;
      } catch (IOException e) {
        long retry = call.retryAfterFailure(e);
        if (retry < 0) {
          throw e;
        }
        sleep(retry);
        continue;
      } finally {
        if (!sent) {
          call.failed();
        }
      }
      HttpResponse<T> done = call.afterResponse(response);
      if (done != null) {
        return done;
      }
      sleep(call.retryWaitNanos());
    }
  }

  /**
   * Sends {@code request} asynchronously, as {@link #send} does, waiting without blocking a thread.
   * The future fails with a {@link GiveUpException} (as the cause of the {@code ExecutionException}
   * or {@code CompletionException}) when a request is abandoned. Work after a wait runs on the
   * wrapped client's executor, or the common pool if it has none. Cancelling the future does not
   * stop a wait or an attempt already under way.
   */
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, BodyHandler<T> handler) {
    Call<T> call;
    CompletableFuture<HttpResponse<T>> hit;
    try {
      call =
          new Call<>(
              this,
              Objects.requireNonNull(request, "request"),
              Objects.requireNonNull(handler, "handler"));
      hit = call.cached();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return hit != null ? hit : attempt(call);
  }

  /** The wrapped client. */
  public HttpClient httpClient() {
    return http;
  }

  /** The retry policy. */
  public RetryPolicy policy() {
    return policy;
  }

  /** The pacing. */
  public Pacing pacing() {
    return pacing;
  }

  private <T> CompletableFuture<HttpResponse<T>> attempt(Call<T> call) {
    long wait = call.beforeAttempt();
    return slot(call, wait)
        .thenCompose(ignored -> http.sendAsync(call.wire(), call.wireHandler()))
        .handle(
            (response, failure) -> {
              if (failure != null) {
                Throwable cause = unwrap(failure);
                long retry =
                    cause instanceof IOException io ? call.retryAfterFailure(io) : call.failedNow();
                if (retry >= 0) {
                  return delay(retry).thenCompose(ignored -> attempt(call));
                }
                return CompletableFuture.<HttpResponse<T>>failedFuture(cause);
              }
              try {
                HttpResponse<T> done = call.afterResponse(response);
                if (done != null) {
                  return CompletableFuture.completedFuture(done);
                }
              } catch (GiveUpException e) {
                return CompletableFuture.<HttpResponse<T>>failedFuture(e);
              }
              return delay(call.retryWaitNanos()).thenCompose(ignored -> attempt(call));
            })
        .thenCompose(Function.identity());
  }

  /** Waits {@code nanos} for the call's slot, and again as long as its slot moves. */
  private CompletableFuture<Void> slot(Call<?> call, long nanos) {
    if (nanos <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    return delay(nanos).thenCompose(ignored -> slot(call, call.recheck()));
  }

  private CompletableFuture<Void> delay(long nanos) {
    if (nanos <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    // The sleeper may complete its future on a timer thread; move on to the executor.
    return sleeper.sleepAsync(Duration.ofNanos(nanos)).thenApplyAsync(v -> v, executor);
  }

  private void sleep(long nanos) throws InterruptedException {
    if (nanos > 0) {
      sleeper.sleep(Duration.ofNanos(nanos));
    }
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof java.util.concurrent.CompletionException && t.getCause() != null
        ? t.getCause()
        : t;
  }

  @Override
  public String toString() {
    return "RateLimitedClient[" + policy + ", " + pacing + (cache == null ? "" : ", cache") + "]";
  }

  /** Builds a {@link RateLimitedClient}. Every setting has a default; see each method. */
  public static final class Builder {
    private final HttpClient http;
    private RetryPolicy policy = RetryPolicy.defaults();
    private Pacing pacing = Pacing.spread();
    private int cacheEntries;
    private long cacheBytes;
    private final List<RateLimitListener> listeners = new ArrayList<>();
    private Sleeper sleeper = Sleeper.system();

    private Builder(HttpClient http) {
      this.http = http;
    }

    /** How to retry and when to give up (default {@link RetryPolicy#defaults()}). */
    public Builder policy(RetryPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Whether and how to pace requests (default {@link Pacing#spread()}: paced from the limit
     * headers, the window learned from the server's refusals when it sends no reset).
     */
    public Builder pacing(Pacing pacing) {
      this.pacing = Objects.requireNonNull(pacing, "pacing");
      return this;
    }

    /**
     * Caches GET responses in memory, at most {@code maxEntries} of them and {@code maxBytes} in
     * all (default: no cache). Honours {@code Cache-Control}, revalidates with {@code ETag}/{@code
     * Last-Modified}; a response is stored only if its whole body fits in {@code maxBytes}. Bodies
     * are copied as they stream to the caller's handler.
     */
    public Builder cache(int maxEntries, long maxBytes) {
      if (maxEntries < 1) {
        throw new IllegalArgumentException(
            "cache maxEntries must be at least 1, got " + maxEntries);
      }
      if (maxBytes < 1) {
        throw new IllegalArgumentException("cache maxBytes must be at least 1, got " + maxBytes);
      }
      this.cacheEntries = maxEntries;
      this.cacheBytes = maxBytes;
      return this;
    }

    /** Adds a listener (none by default); listeners are called in the order added. */
    public Builder listener(RateLimitListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The clock and the waiting (default {@link Sleeper#system()}); tests pass a fake. */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** The client. */
    public RateLimitedClient build() {
      return new RateLimitedClient(this);
    }
  }
}
