package dev.sluice.server.gateway;

import dev.sluice.core.Decision;
import dev.sluice.core.DecisionListener;
import dev.sluice.core.Sluice;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Warns, at most every ten seconds, that the store failed and what the policy's {@code
 * on-store-failure} mode makes of requests meanwhile. A listener on every engine the gateway builds
 * (see {@link Engines#listen}); what it costs a decision the store made is one field read.
 */
final class StoreFailureLog implements DecisionListener {
  private static final System.Logger LOG = System.getLogger("sluice.gateway");
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;

  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  @Override
  public void onDecision(Sluice engine, Decision d, long elapsedNanos) {
    if (d.storeFailure() == null) {
      return;
    }
    long now = System.nanoTime();
    long last = lastLog.get();
    if (now - last < LOG_EVERY_NANOS || !lastLog.compareAndSet(last, now)) {
      return;
    }
    String mode = engine.policy().onStoreFailure().label();
    LOG.log(
        Level.WARNING,
        "the rate-limit store failed ({0}); on-store-failure: {1}, so requests"
            + " are {2} (logged at most every 10 s)",
        d.storeFailure(),
        mode,
        switch (mode) {
          case "open" -> "let through uncounted";
          case "closed" -> "refused with 503";
          default -> "counted in this instance's memory";
        });
  }
}
