package dev.sluice.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that moves only when told to: for tests of code that uses Sluice, and for
 * replaying traffic. Thread-safe.
 */
public final class ManualTicker implements Ticker {
  private final AtomicLong micros;

  /** A ticker reading {@code start}. */
  public ManualTicker(Instant start) {
    this.micros = new AtomicLong(micros(start, "start"));
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
    Objects.requireNonNull(d, "d");
    long delta;
    try {
      delta = d.toNanos() / 1_000;
    } catch (ArithmeticException e) { // beyond 292 years: whole seconds are exact enough
      try {
        delta = Math.multiplyExact(d.getSeconds(), 1_000_000L);
      } catch (ArithmeticException tooFar) {
        throw new IllegalArgumentException(d + " is more than epoch microseconds can hold");
      }
    }
    long by = delta;
    micros.updateAndGet(
        m -> {
          try {
            return Math.addExact(m, by);
          } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                "advancing " + m + "us by " + d + " leaves what epoch microseconds can hold");
          }
        });
    return this;
  }

  /** Sets the time. */
  public ManualTicker set(Instant t) {
    micros.set(micros(t, "t"));
    return this;
  }

  /** {@code t} in epoch microseconds; refuses an instant they cannot hold. */
  private static long micros(Instant t, String name) {
    Objects.requireNonNull(t, name);
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          name
              + " "
              + t
              + " is outside what epoch microseconds can hold (years -290,308 to 294,247)");
    }
  }

  /** The current reading as an {@link Instant}. */
  public Instant instant() {
    long m = micros.get();
    return Instant.ofEpochSecond(
        Math.floorDiv(m, 1_000_000L), Math.floorMod(m, 1_000_000L) * 1_000);
  }

  @Override
  public String toString() {
    return "ManualTicker[" + instant() + "]";
  }
}
