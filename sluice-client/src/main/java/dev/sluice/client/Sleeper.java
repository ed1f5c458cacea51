package dev.sluice.client;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The client's source of time and its way of waiting: every pause the client makes (honouring
 * {@code Retry-After}, backing off, pacing) goes through one.
 *
 * <p>It has two clocks. {@link #nanoTime()} is monotonic and measures everything the client times
 * itself: waits, deadlines, the pacing timeline, cache freshness. {@link #now()} is the wall clock,
 * read only to turn the absolute instants a server sends (an HTTP-date {@code Retry-After}, an
 * epoch {@code X-RateLimit-Reset}) into durations.
 *
 * <p>The default, {@link #system()}, sleeps for real. Tests pass their own implementation that
 * advances both clocks when asked to sleep, and records what it was asked, so no test waits.
 * Implementations must be thread-safe: one client is shared by many threads.
 */
public interface Sleeper {

  /** A monotonic reading in nanoseconds, comparable only with other readings of this sleeper. */
  long nanoTime();

  /** The current wall-clock time. */
  Instant now();

  /**
   * Blocks the calling thread for {@code duration} (zero or negative: returns at once).
   *
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  void sleep(Duration duration) throws InterruptedException;

  /**
   * A future that completes (with {@code null}) once {@code duration} has passed, without blocking
   * a thread meanwhile; used by {@link RateLimitedClient#sendAsync}.
   */
  CompletableFuture<Void> sleepAsync(Duration duration);

  /** Real time: {@link System#nanoTime()}, {@link Instant#now()} and real sleeping. */
  static Sleeper system() {
    return SystemSleeper.INSTANCE;
  }
}
