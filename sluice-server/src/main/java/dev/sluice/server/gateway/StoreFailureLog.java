package dev.sluice.server.gateway;

import dev.sluice.core.Decision;
import dev.sluice.core.DecisionListener;
import dev.sluice.core.Sluice;
import java.lang.System.Logger.Level;

/**
 * Warns, at most every ten seconds, that the store failed and what the policy's {@code
 * on-store-failure} mode makes of requests meanwhile. A listener on every engine the gateway builds
 * (see {@link Engines#listen}); what it costs a decision the store made is one field read.
 */
final class StoreFailureLog implements DecisionListener {
  private final BoundedLog log = new BoundedLog(10);

  @Override
  public void onDecision(Sluice engine, Decision d, long elapsedNanos) {
    if (d.storeFailure() == null) {
      return;
    }
    if (!log.due()) {
      return;
    }
    String mode = engine.policy().onStoreFailure().label();
    log.write(
        Level.WARNING,
        "the rate-limit store failed ("
            + d.storeFailure()
            + "); on-store-failure: "
            + mode
            + ", so requests are "
            + switch (mode) {
              case "open" -> "let through uncounted";
              case "closed" -> "refused with 503";
              default -> "counted in this instance's memory";
            }
            + " (logged at most every 10 s)",
        null);
  }
}
