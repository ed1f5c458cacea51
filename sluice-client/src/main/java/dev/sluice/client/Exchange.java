package dev.sluice.client;

import java.io.IOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * One request through a {@link RateLimitEngine}: what to wait for before each attempt, and after
 * each answer or failure whether to retry and after how long. Driven by one thread at a time; see
 * the loop in {@link RateLimitEngine}. Waits are in nanoseconds on the engine's {@link Sleeper}.
 */
public final class Exchange {
  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

  private final RateLimitEngine engine;
  private final HttpRequest request;
  private final boolean replayableBody;
  private final long deadlineNanos;
  private final Pacer pacer;
  private int attempts;
  private boolean reserved;
  private long slot;
  private long slotEpoch;

  // the last decision
  private GiveUpException.Reason reason;
  private long serverWaitNanos = -1;
  private RateLimitListener.WaitCause cause;

  Exchange(RateLimitEngine engine, HttpRequest request, boolean replayableBody) {
    this.engine = engine;
    this.request = request;
    this.replayableBody = replayableBody;
    long start = engine.sleeper.nanoTime();
    this.deadlineNanos =
        engine.policy.deadline().map(d -> Nanos.add(start, Nanos.of(d))).orElse(Long.MAX_VALUE);
    this.pacer =
        engine.pacers == null ? null : engine.pacers.forKey(engine.pacing.key().apply(request));
  }

  /** Starts an attempt: reserves its pacing slot; returns how long to wait for it (0: none). */
  public long beforeAttempt() {
    long now = engine.sleeper.nanoTime();
    if (attempts++ == 0 && engine.budget != null) {
      engine.budget.onRequest(now);
    }
    if (pacer == null) {
      return 0;
    }
    slotEpoch = pacer.epoch();
    slot = pacer.reserve(now, latest(now));
    reserved = true;
    long wait = slot - now;
    engine.notifier.waiting(request, wait, RateLimitListener.WaitCause.PACING);
    return Math.max(0, wait);
  }

  /**
   * After waiting what {@link #beforeAttempt} (or this) said: 0 if the request may go now, else how
   * much longer to wait, because a refusal meanwhile replaced the timeline its slot was on.
   */
  public long recheck() {
    if (pacer == null || !reserved) {
      return 0;
    }
    long now = engine.sleeper.nanoTime();
    long epoch = pacer.epoch();
    long confirmed = pacer.confirm(now, slot, slotEpoch, latest(now));
    if (confirmed == slot) {
      return 0;
    }
    slot = confirmed;
    slotEpoch = epoch;
    long wait = Math.max(1, confirmed - now);
    engine.notifier.waiting(request, wait, RateLimitListener.WaitCause.PACING);
    return wait;
  }

  /**
   * The answer's status and headers arrived: returns -1 if the response goes to the caller (also
   * when the engine gave up retrying it: see {@link #gaveUp()}), else how long to wait before the
   * next attempt (the response, unread, is to be discarded). Notifies the listeners, a give-up
   * included.
   */
  public long onResponse(int status, HttpHeaders headers) {
    long wait = decide(status, headers);
    if (reason != null) {
      GiveUpException e =
          new GiveUpException(
              reason,
              request,
              new SyntheticResponse<>(request, status, headers, null, null, null),
              attempts,
              serverWait());
      engine.notifier.giveUp(request, e);
    }
    return wait;
  }

  /**
   * After the attempt failed without an answer: how long to wait before trying again, or -1 to let
   * {@code failure} propagate. Idempotent requests with re-sendable bodies are retried after
   * transport failures (connection reset or refused, timeouts) with back-off, within the policy's
   * attempts, deadline and budget; unknown hosts and TLS failures are not retried.
   */
  public long onFailure(IOException failure) {
    failed();
    if (failure instanceof GiveUpException
        || failure instanceof java.net.UnknownHostException
        || failure instanceof javax.net.ssl.SSLHandshakeException
        || failure instanceof javax.net.ssl.SSLPeerUnverifiedException
        || Thread.currentThread().isInterrupted()) {
      return -1;
    }
    serverWaitNanos = -1;
    long wait = retryOrGiveUp(engine.sleeper.nanoTime());
    if (wait < 0) {
      reason = null; // the failure itself is what the caller gets
      return -1;
    }
    engine.notifier.retry(request, attempts + 1, -1);
    engine.notifier.waiting(request, wait, cause);
    return wait;
  }

  /** Ends an attempt that was not sent or got no answer, without retrying it. */
  public void failed() {
    if (reserved) {
      reserved = false;
      pacer.release();
    }
  }

  /** Why the last {@link #onResponse} gave up, or {@code null} if it did not. */
  public GiveUpException.Reason gaveUp() {
    return reason;
  }

  /** Attempts made so far. */
  public int attempts() {
    return attempts;
  }

  Duration serverWait() {
    return serverWaitNanos >= 0 ? Duration.ofNanos(serverWaitNanos) : null;
  }

  HttpRequest request() {
    return request;
  }

  /** {@link #onResponse} without the give-up notice (the caller makes its own exception). */
  long decide(int status, HttpHeaders headers) {
    long now = engine.sleeper.nanoTime();
    Instant wall = engine.sleeper.now();
    reason = null;
    QuotaReading reading = QuotaHeaders.parse(headers, wall);
    if (reading != null) {
      engine.notifier.quota(request, reading);
    }
    long retryAfter = ServerTime.retryAfterNanos(headers, wall);
    boolean limited = status == 429 || (status == 503 && retryAfter >= 0);
    boolean unavailable = status == 503 && retryAfter < 0; // retried with back-off
    serverWaitNanos = -1;
    if (limited) {
      serverWait(retryAfter, reading, wall);
    }
    recordPacing(now, wall, reading, limited);
    if (!limited && !unavailable) {
      return -1;
    }
    long wait = retryOrGiveUp(now);
    if (wait >= 0) {
      engine.notifier.retry(request, attempts + 1, status);
      engine.notifier.waiting(request, wait, cause);
    }
    return wait;
  }

  private long latest(long now) {
    return Math.min(Nanos.add(now, Nanos.of(engine.policy.maxWait())), deadlineNanos);
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

  /** The wait before the retry, or -1 with {@link #reason} set. */
  private long retryOrGiveUp(long now) {
    RetryPolicy policy = engine.policy;
    if (!policy.retryNonIdempotent()
        && !IDEMPOTENT.contains(request.method())
        && request.headers().firstValue("Idempotency-Key").isEmpty()) {
      return giveUp(GiveUpException.Reason.NOT_IDEMPOTENT);
    }
    if (!policy.retryUnknownLengthBodies() && !replayableBody) {
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
    if (!told && engine.budget != null && !engine.budget.tryRetry(now)) {
      return giveUp(GiveUpException.Reason.RETRY_BUDGET);
    }
    return wait;
  }

  private long giveUp(GiveUpException.Reason why) {
    reason = why;
    return -1;
  }
}
