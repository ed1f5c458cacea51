package dev.sluice.client;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Thrown when a {@link RateLimitedClient} abandons a rate-limited request (status 429, or 503 with
 * {@code Retry-After}): it says why, how many attempts were made, and carries the last response,
 * its body read by the caller's body handler, so the server's own explanation is at hand.
 *
 * <p>It is an {@link IOException}, like the failures of {@code HttpClient.send}; from {@code
 * sendAsync} it arrives as the cause of the future's exception.
 */
public final class GiveUpException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why a request was abandoned. */
  public enum Reason {
    /** Rate-limited, and the request is not idempotent (retrying it was not allowed). */
    NOT_IDEMPOTENT("the request is not idempotent (RetryPolicy.retryNonIdempotent is off)"),
    /** Rate-limited, and the request's body has an unknown length, so may not be re-sendable. */
    BODY_NOT_REPLAYABLE(
        "its body has an unknown length and may not be re-sendable"
            + " (RetryPolicy.retryUnknownLengthBodies is off)"),
    /** Still rate-limited after the policy's maximum number of attempts. */
    ATTEMPTS_EXHAUSTED("it was still rate-limited after the maximum number of attempts"),
    /** The server asked for a longer wait than the policy's {@code maxWait}. */
    WAIT_TOO_LONG("the server asked for a longer wait than RetryPolicy.maxWait"),
    /** The wait before the next attempt would have ended after the policy's deadline. */
    DEADLINE("the next attempt could not start before the deadline"),
    /** The client's retry budget was spent: too many retries lately for its requests. */
    RETRY_BUDGET("the client's retry budget is spent (too many recent retries)");

    private final String explanation;

    Reason(String explanation) {
      this.explanation = explanation;
    }

    /** A phrase saying what happened, as used in the exception's message. */
    public String explanation() {
      return explanation;
    }
  }

  private final Reason reason;
  private final int attempts;
  private final transient HttpRequest request;
  private final transient HttpResponse<?> lastResponse;
  private final Duration serverWait;

  GiveUpException(
      Reason reason,
      HttpRequest request,
      HttpResponse<?> lastResponse,
      int attempts,
      Duration serverWait) {
    super(message(reason, request, lastResponse, attempts, serverWait));
    this.reason = Objects.requireNonNull(reason);
    this.request = request;
    this.lastResponse = lastResponse;
    this.attempts = attempts;
    this.serverWait = serverWait;
  }

  /** Why the request was abandoned. */
  public Reason reason() {
    return reason;
  }

  /** How many attempts were sent. */
  public int attempts() {
    return attempts;
  }

  /** The request as the caller passed it. */
  public HttpRequest request() {
    return request;
  }

  /** The last (rate-limited) response, with its body as the caller's body handler made it. */
  public HttpResponse<?> lastResponse() {
    return lastResponse;
  }

  /** The wait the server asked for in the last response, if it asked for one. */
  public Optional<Duration> serverWait() {
    return Optional.ofNullable(serverWait);
  }

  private static String message(
      Reason reason,
      HttpRequest request,
      HttpResponse<?> response,
      int attempts,
      Duration serverWait) {
    StringBuilder sb =
        new StringBuilder("gave up on ")
            .append(request.method())
            .append(' ')
            .append(request.uri())
            .append(" after ")
            .append(attempts)
            .append(attempts == 1 ? " attempt: " : " attempts: ")
            .append(reason.explanation())
            .append("; last response ")
            .append(response.statusCode());
    if (serverWait != null) {
      sb.append(", which asked to wait ").append(serverWait);
    }
    return sb.toString();
  }
}
