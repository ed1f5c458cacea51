package dev.sluice.client;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link Sleeper#system()}: real clocks, real waiting. {@code sleep} loops until the full duration
 * has passed on the monotonic clock, so a wait never ends early (a pacing slot at a window's reset
 * must not be taken a millisecond before it). {@code sleepAsync} uses {@link
 * CompletableFuture#completeOnTimeout}, whose shared scheduler thread only completes the future;
 * the client moves the work after it to an executor.
 */
final class SystemSleeper implements Sleeper {
  static final SystemSleeper INSTANCE = new SystemSleeper();

  private SystemSleeper() {}

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    long end = Nanos.add(System.nanoTime(), Nanos.of(duration));
    for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  @Override
  public CompletableFuture<Void> sleepAsync(Duration duration) {
    long nanos = Nanos.of(duration);
    if (nanos <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    return new CompletableFuture<Void>().completeOnTimeout(null, nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "Sleeper.system()";
  }
}
