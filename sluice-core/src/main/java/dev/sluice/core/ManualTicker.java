package dev.sluice.core;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that moves only when told to: for tests of code that uses Sluice, and for
 * replaying traffic. Thread-safe.
 */
public final class ManualTicker implements Ticker {
  private final AtomicLong micros;

  /** A ticker reading {@code start}. */
  public ManualTicker(Instant start) {
    this.micros = new AtomicLong(start.getEpochSecond() * 1_000_000L + start.getNano() / 1_000);
  }

  /** A ticker reading {@code epochMicros}. */
  public ManualTicker(long epochMicros) {
    this.micros = new AtomicLong(epochMicros);
  }

  @Override
  public long epochMicros() {
    return micros.get();
  }

  /** Moves time forward (or, with a negative duration, back) by {@code d}. */
  public ManualTicker advance(Duration d) {
    micros.addAndGet(d.toNanos() / 1_000);
    return this;
  }

  /** Sets the time. */
  public ManualTicker set(Instant t) {
    micros.set(t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000);
    return this;
  }

  /** The current reading as an {@link Instant}. */
  public Instant instant() {
    long m = micros.get();
    return Instant.ofEpochSecond(Math.floorDiv(m, 1_000_000L), Math.floorMod(m, 1_000_000L) * 1_000);
  }

  @Override
  public String toString() {
    return "ManualTicker[" + instant() + "]";
  }
}
