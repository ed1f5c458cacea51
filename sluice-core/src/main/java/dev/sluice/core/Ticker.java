package dev.sluice.core;

/**
 * The engine's source of time, in microseconds since the Unix epoch.
 *
 * <p>Time is a dependency: tests pass a {@link ManualTicker} and never sleep. The default, {@link
 * #system()}, is a <em>coarse</em> clock: one daemon thread refreshes a volatile field about every
 * millisecond, so a decision costs one volatile read instead of a {@code
 * System.currentTimeMillis()} or {@code Instant.now()} call (20 to 40 ns on common hardware, more
 * than the rest of a decision). It lags real time by at most about a millisecond, more only if the
 * machine is so loaded that the thread is not scheduled, and never goes backwards. {@link
 * #precise()} reads the system clock on every call, for callers that would rather pay than start a
 * thread.
 */
@FunctionalInterface
public interface Ticker {

  /** Microseconds since 1970-01-01T00:00:00Z. */
  long epochMicros();

  /** The shared coarse system clock (millisecond resolution, refreshed by a daemon thread). */
  static Ticker system() {
    return CoarseTicker.INSTANCE;
  }

  /** The system clock read on every call (microsecond resolution where the OS offers it). */
  static Ticker precise() {
    return PreciseTicker.INSTANCE;
  }
}
