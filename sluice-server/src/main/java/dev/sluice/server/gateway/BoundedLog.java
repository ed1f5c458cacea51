package dev.sluice.server.gateway;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One kind of trouble, logged at most once per interval, with how many of its kind were left out
 * since the last line. Made at start-up, so logging it loads nothing; it never throws: a failure to
 * log (no descriptor left, no memory) is dropped rather than allowed to end the thread that logged,
 * which on an event loop would end the proxy.
 */
final class BoundedLog {
  private static final System.Logger LOG = System.getLogger("sluice.gateway");

  private final long everyNanos;
  private final String every;
  private final AtomicLong last;
  private final LongAdder suppressed = new LongAdder();

  /** A kind logged at most once per {@code seconds}. */
  BoundedLog(int seconds) {
    this.everyNanos = seconds * 1_000_000_000L;
    this.every = seconds + " s";
    this.last = new AtomicLong(System.nanoTime() - everyNanos);
  }

  /** Logs {@code message} (and {@code cause}, when not null) unless one was logged lately. */
  void log(Level level, String message, Throwable cause) {
    if (due()) {
      write(level, message, cause);
    }
  }

  /**
   * Whether a line may be written now; if so, the caller writes it with {@link #write}, else it was
   * counted as left out. For a kind that happens on every request: while it is left out it costs a
   * clock read and an uncontended add, and its message is never made.
   */
  boolean due() {
    long now = System.nanoTime();
    long before = last.get();
    if (now - before < everyNanos || !last.compareAndSet(before, now)) {
      suppressed.increment();
      return false;
    }
    return true;
  }

  /** Writes the line {@link #due} allowed, saying how many were left out since the last one. */
  void write(Level level, String message, Throwable cause) {
    try {
      long left = suppressed.sumThenReset();
      String line =
          left == 0
              ? message
              : message + " (and " + left + " more like it in the " + every + " before)";
      if (cause == null) {
        LOG.log(level, line);
      } else {
        LOG.log(level, line, cause);
      }
    } catch (Throwable t) { // logging must never be what ends a thread
      // dropped
    }
  }
}
