package dev.sluice.client;

import java.net.http.HttpRequest;
import java.time.Duration;

/**
 * Sees what a {@link RateLimitedClient} does about rate limits, to log or count it. Every method
 * has an empty default; implement those of interest. Methods are called on whichever thread handles
 * the request (callers' threads, the HttpClient's executor), often concurrently, so an
 * implementation must be thread-safe and quick. An exception thrown by a listener is logged
 * (System.Logger {@code dev.sluice.client}) and otherwise ignored: it never fails a request.
 *
 * <p>For one retried request the calls come in this order: {@link #onQuota} (if the 429 carried
 * limit headers), {@link #onRetry}, {@link #onWait}, then the next attempt's events.
 */
public interface RateLimitListener {

  /** Why the client is waiting. */
  enum WaitCause {
    /** The server's {@code Retry-After}. */
    RETRY_AFTER,
    /** A rate-limited response without {@code Retry-After}, but with a reset time. */
    RESET,
    /** Exponential back-off with jitter: the response said nothing about when to come back. */
    BACKOFF,
    /** Waiting for the request's pacing slot. */
    PACING
  }

  /** A response to {@code request} carried rate-limit headers; {@code reading} is what they say. */
  default void onQuota(HttpRequest request, QuotaReading reading) {}

  /** The client will wait {@code wait} before sending {@code request} (again). */
  default void onWait(HttpRequest request, Duration wait, WaitCause cause) {}

  /**
   * A rate-limited response with {@code status} to {@code request} will be retried; {@code attempt}
   * is the number of the coming attempt (2 for the first retry).
   */
  default void onRetry(HttpRequest request, int attempt, int status) {}

  /** The client abandoned {@code request}; {@code exception} is what the caller receives. */
  default void onGiveUp(HttpRequest request, GiveUpException exception) {}

  /**
   * {@code request} was answered from the response cache: without a request if {@code revalidated}
   * is false, else after the server confirmed the cached body (304).
   */
  default void onCacheHit(HttpRequest request, boolean revalidated) {}
}
