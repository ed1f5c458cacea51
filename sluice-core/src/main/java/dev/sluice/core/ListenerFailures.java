package dev.sluice.core;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/** Logs a listener that threw, at most every ten seconds: a bug there must not flood the log. */
final class ListenerFailures {
  private static final System.Logger LOG = System.getLogger("sluice.engine");
  private static final long EVERY_NANOS = 10_000_000_000L;
  private static final AtomicLong last = new AtomicLong(System.nanoTime() - EVERY_NANOS);

  private ListenerFailures() {}

  static void log(DecisionListener listener, RuntimeException e) {
    long now = System.nanoTime();
    long before = last.get();
    if (now - before >= EVERY_NANOS && last.compareAndSet(before, now)) {
      LOG.log(
          Level.ERROR,
          "decision listener "
              + listener
              + " failed; the decision stands (logged at most every 10 s)",
          e);
    }
  }
}
