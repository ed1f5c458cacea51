package dev.sluice.client;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A sleeper whose clocks move only when it is asked to sleep (or told to advance); it records
 * waits. Its wall clock starts at the real present, to the second, so that the real {@code Date} of
 * test servers' responses agrees with it (see {@link TestServer}).
 */
final class FakeSleeper implements Sleeper {
  private long nanos = 5_000_000_000_000L;
  private Instant wall = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final List<Duration> waits = new ArrayList<>();

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public synchronized Instant now() {
    return wall;
  }

  @Override
  public synchronized void sleep(Duration duration) {
    waits.add(duration);
    advance(duration);
  }

  @Override
  public synchronized CompletableFuture<Void> sleepAsync(Duration duration) {
    sleep(duration);
    return CompletableFuture.completedFuture(null);
  }

  synchronized void advance(Duration d) {
    if (!d.isNegative()) {
      nanos += d.toNanos();
      wall = wall.plus(d);
    }
  }

  /** Every wait asked for, in order. */
  synchronized List<Duration> waits() {
    return List.copyOf(waits);
  }

  /** Time waited in all. */
  synchronized Duration waited() {
    return waits.stream().reduce(Duration.ZERO, Duration::plus);
  }
}
