package dev.sluice.server.ops;

/**
 * Runs webhook work later, by the webhooks' clock: retries wait for hours, so time is a dependency
 * here as everywhere, and a test moves it by hand instead of waiting. The default (when {@link
 * Operations.Builder#webhookTimer} is not set) is a scheduled executor of the sender's own, which
 * agrees with the system clock.
 */
@FunctionalInterface
public interface WebhookTimer {
  /**
   * Runs {@code task} once about {@code delayMicros} have passed on the clock (at once if it is 0
   * or less), on a thread of the timer's choosing. A task that runs late delays the retries it was
   * for; one that runs early finds nothing due and asks again.
   */
  void schedule(Runnable task, long delayMicros);
}
