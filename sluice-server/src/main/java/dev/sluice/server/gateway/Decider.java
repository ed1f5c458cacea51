package dev.sluice.server.gateway;

import dev.sluice.core.Decision;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.Header;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.server.ops.Operations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides requests for the proxy and the decision API, counting each decision and handing it to
 * the operations' recorder (usage, webhooks, dashboard; an enqueue, nothing more), and writes the
 * answers Sluice gives itself (429, 400, 503).
 *
 * <p>An in-memory store decides in a few hundred nanoseconds without blocking, so it is asked on
 * the event loop directly; a remote store is asked asynchronously and its answer comes back on
 * the request's own context.
 */
final class Decider {
  private static final System.Logger LOG = System.getLogger("sluice.gateway");
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;

  private final GatewayMetrics metrics;
  private final Operations ops;
  private final AtomicLong lastStoreLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  Decider(GatewayMetrics metrics, Operations ops) {
    this.metrics = metrics;
    this.ops = ops;
  }

  Future<Decision> decide(Sluice engine, GatewayRequest request, Context context) {
    long start = System.nanoTime();
    Future<Decision> answer;
    if (engine.store() instanceof InMemoryStore) {
      answer = Future.succeededFuture(engine.decide(request));
    } else {
      answer = Future.fromCompletionStage(engine.decideAsync(request), context);
    }
    return answer.map(d -> {
      metrics.decided(d, System.nanoTime() - start);
      ops.record(engine, d);
      if (d.storeFailure() != null) {
        storeFailed(engine, d);
      }
      return d;
    });
  }

  private void storeFailed(Sluice engine, Decision d) {
    String mode = engine.policy().onStoreFailure().label();
    metrics.storeFailed(mode);
    long now = System.nanoTime();
    long last = lastStoreLog.get();
    if (now - last >= LOG_EVERY_NANOS && lastStoreLog.compareAndSet(last, now)) {
      LOG.log(Level.WARNING, "the rate-limit store failed ({0}); on-store-failure: {1}, so requests"
          + " are {2} (logged at most every 10 s)", d.storeFailure(), mode, switch (mode) {
            case "open" -> "let through uncounted";
            case "closed" -> "refused with 503";
            default -> "counted in this instance's memory";
          });
    }
  }

  /**
   * Answers a request the engine did not let through: 429 with the policy's headers and body,
   * 400 for a request it cannot count, 503 when the store cannot count it.
   */
  static void refuse(Sluice engine, Decision d, HttpServerResponse response) {
    for (Header h : engine.headers(d)) {
      response.putHeader(h.name(), h.value());
    }
    switch (d.outcome()) {
      case DENIED -> response.setStatusCode(429)
          .putHeader("Content-Type", engine.denialContentType())
          .putHeader("Cache-Control", "no-store")
          .end(engine.denialBody(d));
      case INVALID -> JsonErrors.send(response, 400, "INVALID_REQUEST", d.problem());
      case UNAVAILABLE -> JsonErrors.send(response, 503, "RATE_LIMIT_UNAVAILABLE", d.problem());
      default -> throw new IllegalArgumentException("not a refusal: " + d.outcome());
    }
  }

  /** The outcome's name as the APIs and metrics spell it. */
  static String outcomeName(Decision d) {
    return d.outcome().name().toLowerCase(Locale.ROOT);
  }
}
