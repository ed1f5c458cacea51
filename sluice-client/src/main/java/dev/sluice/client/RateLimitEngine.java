package dev.sluice.client;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The decisions of a {@link RateLimitedClient} (pacing, {@code Retry-After}, back-off with jitter,
 * retry budget) for any HTTP stack: the adapters for OkHttp, Spring and Apache HttpClient are thin
 * loops around it, and {@code RateLimitedClient} itself uses it. Immutable and thread-safe; share
 * one per API, as pacing and the retry budget are per engine.
 *
 * <p>An adapter drives one {@link Exchange} per request:
 *
 * <pre>{@code
 * Exchange x = engine.begin(method, uri, idempotencyKeyPresent, bodyReplayable);
 * while (true) {
 *   for (long w = x.beforeAttempt(); w > 0; w = x.recheck()) engine.sleeper().sleep(ofNanos(w));
 *   Response r;
 *   try {
 *     r = send();
 *   } catch (IOException e) {
 *     long w = x.onFailure(e);
 *     if (w < 0) throw e;
 *     engine.sleeper().sleep(ofNanos(w));
 *     continue;
 *   }
 *   long w = x.onResponse(r.status(), headers(r));   // -1: return r to the caller
 *   if (w < 0) return r;
 *   r.close();
 *   engine.sleeper().sleep(ofNanos(w));
 * }
 * }</pre>
 */
public final class RateLimitEngine {
  final RetryPolicy policy;
  final Pacing pacing;
  final Pacers pacers;
  final RetryBudget budget;
  final Notifier notifier;
  final Sleeper sleeper;

  private RateLimitEngine(Builder b) {
    this.policy = b.policy;
    this.pacing = b.pacing;
    this.pacers = b.pacing.enabled() ? new Pacers(b.pacing.assumedWindowNanos()) : null;
    this.budget = b.policy.newBudget();
    this.notifier = new Notifier(b.listeners);
    this.sleeper = b.sleeper;
  }

  /** A builder with the defaults of {@link RateLimitedClient.Builder}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Begins one request: {@code method} and {@code uri} as sent; {@code idempotencyKey} whether it
   * carries an {@code Idempotency-Key} header (then it may be retried whatever its method); {@code
   * replayableBody} whether its body, if any, can be sent again (known length, or repeatable).
   */
  public Exchange begin(String method, URI uri, boolean idempotencyKey, boolean replayableBody) {
    HttpRequest.Builder view =
        HttpRequest.newBuilder(Objects.requireNonNull(uri, "uri"))
            .method(Objects.requireNonNull(method, "method"), HttpRequest.BodyPublishers.noBody());
    if (idempotencyKey) {
      view.header("Idempotency-Key", "present");
    }
    return new Exchange(this, view.build(), replayableBody);
  }

  /** The clock and the waiting adapters must use for the waits the exchanges ask for. */
  public Sleeper sleeper() {
    return sleeper;
  }

  /** The retry policy. */
  public RetryPolicy policy() {
    return policy;
  }

  /** The pacing. */
  public Pacing pacing() {
    return pacing;
  }

  @Override
  public String toString() {
    return "RateLimitEngine[" + policy + ", " + pacing + "]";
  }

  /** Builds a {@link RateLimitEngine}; every setting has the default its getter names. */
  public static final class Builder {
    RetryPolicy policy = RetryPolicy.defaults();
    Pacing pacing = Pacing.spread();
    final List<RateLimitListener> listeners = new ArrayList<>();
    Sleeper sleeper = Sleeper.system();

    Builder() {}

    /** How to retry and when to give up (default {@link RetryPolicy#defaults()}). */
    public Builder policy(RetryPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Whether and how to pace (default {@link Pacing#spread()}). */
    public Builder pacing(Pacing pacing) {
      this.pacing = Objects.requireNonNull(pacing, "pacing");
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

    /** The engine. */
    public RateLimitEngine build() {
      return new RateLimitEngine(this);
    }
  }
}
