package dev.sluice.core.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * The span a {@link Limit} counts over: either a duration that repeats ({@link #of}), or a {@link
 * #lifetime} budget that never refills and is forgotten after a retention period.
 */
public sealed interface Window {

  /** A repeating window of the given length (at least one millisecond). */
  static Window of(Duration length) {
    return new Every(length);
  }

  /** A budget that never refills; the count is forgotten {@code retention} after first use. */
  static Window lifetime(Duration retention) {
    return new Lifetime(retention);
  }

  /** The default retention of a lifetime budget: 30 days. */
  Duration DEFAULT_RETENTION = Duration.ofDays(30);

  /**
   * For a repeating window its length; for a lifetime budget its retention. In microseconds, the
   * engine's unit of time.
   */
  long micros();

  /**
   * A short human name: {@code second}, {@code minute}, {@code hour}, {@code day}, {@code 15m},
   * {@code lifetime}.
   */
  String label();

  /** A window that repeats every {@code length}. */
  record Every(Duration length) implements Window {
    public Every {
      Objects.requireNonNull(length, "length");
      if (length.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException("a window must last at least 1ms, got " + length);
      }
      if (length.compareTo(Duration.ofDays(366 * 100)) > 0) {
        throw new IllegalArgumentException("a window cannot exceed 100 years, got " + length);
      }
    }

    @Override
    public long micros() {
      return length.toNanos() / 1_000;
    }

    @Override
    public String label() {
      return Durations.label(length);
    }
  }

  /** A budget that never refills; forgotten {@code retention} after the first charge. */
  record Lifetime(Duration retention) implements Window {
    public Lifetime {
      Objects.requireNonNull(retention, "retention");
      if (retention.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException(
            "a lifetime retention must be at least 1s, got " + retention);
      }
      if (retention.compareTo(Duration.ofDays(366 * 100)) > 0) {
        throw new IllegalArgumentException("a lifetime retention cannot exceed 100 years");
      }
    }

    @Override
    public long micros() {
      return retention.toNanos() / 1_000;
    }

    @Override
    public String label() {
      return "lifetime";
    }
  }
}
