package dev.sluice.client.adapters;

import dev.sluice.client.Sleeper;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A sleeper whose clocks move only when asked to sleep; it records the waits. */
public final class FakeClock implements Sleeper {
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
  public synchronized void sleep(Duration d) {
    waits.add(d);
    nanos += d.toNanos();
    wall = wall.plus(d);
  }

  @Override
  public CompletableFuture<Void> sleepAsync(Duration d) {
    sleep(d);
    return CompletableFuture.completedFuture(null);
  }

  public synchronized List<Duration> waits() {
    return List.copyOf(waits);
  }
}
