package dev.sluice.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * How a {@link RateLimitedClient} retries rate-limited responses, and when it gives up. Immutable;
 * build one with {@link #builder()}, or take {@link #defaults()}.
 *
 * <p>A response is <em>rate-limited</em> if its status is 429, or 503 with a usable {@code
 * Retry-After}. Such a response is retried after the wait the server asked for, or after an
 * exponential back-off with full jitter if it asked nothing, unless one of these ends it (the
 * {@link GiveUpException.Reason} in brackets):
 *
 * <ul>
 *   <li>the request is not idempotent and {@link Builder#retryNonIdempotent} was not set [{@code
 *       NOT_IDEMPOTENT}], or its body cannot be known to be re-sendable [{@code
 *       BODY_NOT_REPLAYABLE}];
 *   <li>{@link #maxAttempts()} attempts have been made [{@code ATTEMPTS_EXHAUSTED}];
 *   <li>the server asked for a longer wait than {@link #maxWait()} [{@code WAIT_TOO_LONG}]: waiting
 *       less and asking again would only be refused again;
 *   <li>the wait would end after the {@link #deadline()} [{@code DEADLINE}];
 *   <li>the client's retry budget is spent [{@code RETRY_BUDGET}]; only retries without a wait the
 *       server asked for are charged to it (back-off after a 429 or 503 that said nothing, or after
 *       a transport failure): the budget protects a failing server from a retry storm, and a client
 *       waiting what {@code Retry-After} said is being paced, not storming.
 * </ul>
 *
 * <p>A 503 without {@code Retry-After}, and a transport failure of an idempotent request, are
 * retried the same way, after back-off.
 *
 * <table class="striped">
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code maxAttempts}</td><td>4</td><td>attempts in all, the first included</td></tr>
 *   <tr><td>{@code maxWait}</td><td>60 s</td><td>the longest single wait, whoever asks for it;
 *       also the back-off's cap</td></tr>
 *   <tr><td>{@code initialBackoff}</td><td>1 s</td><td>the back-off ceiling of the first retry
 *       (then 2 s, 4 s, ...), for responses that say nothing about when to come back</td></tr>
 *   <tr><td>{@code deadline}</td><td>none</td><td>no wait may end later than this after the
 *       call began</td></tr>
 *   <tr><td>{@code retryBudget}</td><td>0.1, 1/s</td><td>retries at most 10% of requests plus
 *       one a second, over 10 s, per client</td></tr>
 *   <tr><td>{@code retryNonIdempotent}</td><td>false</td><td>retry POST and PATCH too</td></tr>
 *   <tr><td>{@code retryUnknownLengthBodies}</td><td>false</td><td>retry bodies of unknown
 *       length (streams)</td></tr>
 *   <tr><td>{@code jitter}</td><td>{@code ThreadLocalRandom}</td><td>uniform {@code [0, 1)}
 *       source of the back-off's randomness</td></tr>
 * </table>
 *
 * <p><b>Idempotent</b> means GET, HEAD, OPTIONS, TRACE, PUT and DELETE (RFC 9110, 9.2.2), or any
 * request carrying an {@code Idempotency-Key} header. <b>Re-sendable bodies</b>: a retry sends the
 * same {@code HttpRequest} again, and its {@code BodyPublisher} publishes its body afresh for each
 * send. That is certain for bodies of known length ({@code ofString}, {@code ofByteArray}, {@code
 * ofFile}, {@code noBody}); a body of unknown length ({@code ofInputStream}, {@code fromPublisher})
 * is re-sent only with {@link Builder#retryUnknownLengthBodies}, which says the caller's publisher
 * can do it (e.g. an {@code ofInputStream} supplier that opens a new stream each time).
 */
public final class RetryPolicy {
  private static final RetryPolicy DEFAULTS = builder().build();

  private final int maxAttempts;
  private final Duration maxWait;
  private final Duration initialBackoff;
  private final Duration deadline;
  private final double budgetRatio;
  private final double budgetMinPerSecond;
  private final boolean budgeted;
  private final boolean retryNonIdempotent;
  private final boolean retryUnknownLengthBodies;
  private final DoubleSupplier jitter;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.maxWait = b.maxWait;
    this.initialBackoff = b.initialBackoff;
    this.deadline = b.deadline;
    this.budgetRatio = b.budgetRatio;
    this.budgetMinPerSecond = b.budgetMinPerSecond;
    this.budgeted = b.budgeted;
    this.retryNonIdempotent = b.retryNonIdempotent;
    this.retryUnknownLengthBodies = b.retryUnknownLengthBodies;
    this.jitter = b.jitter;
  }

  /** The default policy: see the table above. */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Attempts in all, the first included; 1 means never retry. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The longest single wait the client makes, between attempts or for a pacing slot. */
  public Duration maxWait() {
    return maxWait;
  }

  /** The back-off ceiling before the first retry when the server gives no wait. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** How long after a call begins its last wait may end, if limited. */
  public Optional<Duration> deadline() {
    return Optional.ofNullable(deadline);
  }

  /** Retries allowed per request, over the budget's window; empty if there is no budget. */
  public Optional<Double> budgetRatio() {
    return budgeted ? Optional.of(budgetRatio) : Optional.empty();
  }

  /** Retries a second always allowed, over the budget's window; empty if there is no budget. */
  public Optional<Double> budgetMinRetriesPerSecond() {
    return budgeted ? Optional.of(budgetMinPerSecond) : Optional.empty();
  }

  /** Whether non-idempotent requests (POST, PATCH) are retried too. */
  public boolean retryNonIdempotent() {
    return retryNonIdempotent;
  }

  /** Whether requests whose body length is unknown (streams) are retried. */
  public boolean retryUnknownLengthBodies() {
    return retryUnknownLengthBodies;
  }

  /** The back-off's source of uniform randomness in {@code [0, 1)}. */
  public DoubleSupplier jitter() {
    return jitter;
  }

  /** A new budget for one client, or {@code null} if this policy has none. */
  RetryBudget newBudget() {
    return budgeted ? new RetryBudget(budgetRatio, budgetMinPerSecond) : null;
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts="
        + maxAttempts
        + ", maxWait="
        + maxWait
        + ", initialBackoff="
        + initialBackoff
        + ", deadline="
        + (deadline == null ? "none" : deadline)
        + ", budget="
        + (budgeted ? budgetRatio + " + " + budgetMinPerSecond + "/s" : "none")
        + ", retryNonIdempotent="
        + retryNonIdempotent
        + ", retryUnknownLengthBodies="
        + retryUnknownLengthBodies
        + "]";
  }

  /** Builds a {@link RetryPolicy}; each setter checks its argument at once. */
  public static final class Builder {
    private int maxAttempts = 4;
    private Duration maxWait = Duration.ofSeconds(60);
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration deadline;
    private double budgetRatio = 0.1;
    private double budgetMinPerSecond = 1;
    private boolean budgeted = true;
    private boolean retryNonIdempotent;
    private boolean retryUnknownLengthBodies;
    private DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();

    private Builder() {}

    /** Attempts in all, the first included (default 4); 1 disables retrying. */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException(
            "maxAttempts must be at least 1 (1 = no retries), got " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * The longest single wait (default 60 s). A server asking for more makes the client give up at
     * once with {@code WAIT_TOO_LONG}; back-off is capped at it; a pacing slot further away is not
     * waited for.
     */
    public Builder maxWait(Duration maxWait) {
      this.maxWait = positive("maxWait", maxWait);
      return this;
    }

    /** The first retry's back-off ceiling (default 1 s); it doubles with each retry. */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = positive("initialBackoff", initialBackoff);
      return this;
    }

    /**
     * Bounds a whole call (default none): no wait may end later than {@code deadline} after the
     * call began; a retry that would have to wait past it gives up with {@code DEADLINE}. An
     * attempt already in flight is bounded by the request's own timeout, not by this.
     */
    public Builder deadline(Duration deadline) {
      this.deadline = positive("deadline", deadline);
      return this;
    }

    /**
     * A per-client retry budget (default 0.1 and 1): over a sliding 10-second window, retries may
     * number at most {@code ratio} times the requests plus {@code minRetriesPerSecond} times 10.
     */
    public Builder retryBudget(double ratio, double minRetriesPerSecond) {
      if (!(ratio >= 0) || Double.isInfinite(ratio)) {
        throw new IllegalArgumentException(
            "retryBudget ratio must be a finite number >= 0 (0.1 = 10% of requests), got " + ratio);
      }
      if (!(minRetriesPerSecond >= 0) || Double.isInfinite(minRetriesPerSecond)) {
        throw new IllegalArgumentException(
            "retryBudget minRetriesPerSecond must be a finite number >= 0, got "
                + minRetriesPerSecond);
      }
      this.budgetRatio = ratio;
      this.budgetMinPerSecond = minRetriesPerSecond;
      this.budgeted = true;
      return this;
    }

    /** No retry budget: only {@code maxAttempts}, {@code maxWait} and the deadline apply. */
    public Builder noRetryBudget() {
      this.budgeted = false;
      return this;
    }

    /** Whether to retry non-idempotent requests (POST, PATCH) too (default false). */
    public Builder retryNonIdempotent(boolean retry) {
      this.retryNonIdempotent = retry;
      return this;
    }

    /**
     * Whether to retry requests whose body has an unknown length (default false); set it only if
     * their publishers publish the whole body again on each send.
     */
    public Builder retryUnknownLengthBodies(boolean retry) {
      this.retryUnknownLengthBodies = retry;
      return this;
    }

    /**
     * The source of the back-off's randomness: uniform values in {@code [0, 1)} (values outside are
     * clamped). Called from many threads at once; the default is {@code ThreadLocalRandom}.
     */
    public Builder jitter(DoubleSupplier jitter) {
      this.jitter = Objects.requireNonNull(jitter, "jitter");
      return this;
    }

    /** The policy. */
    public RetryPolicy build() {
      return new RetryPolicy(this);
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
      return d;
    }
  }
}
