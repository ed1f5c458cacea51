package dev.sluice.server.gateway;

import dev.sluice.core.Decision;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.Header;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.server.ops.Operations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Decides requests for the proxy and the decision API, counting each decision and handing it to the
 * operations' recorder (usage, webhooks, dashboard; an enqueue, nothing more), and says what Sluice
 * answers itself to a request it refuses (429, 400, 503).
 *
 * <p>An in-memory store decides in a few hundred nanoseconds without blocking, so it is asked on
 * the event loop directly; a remote store is asked asynchronously and its answer comes back on the
 * request's own context (the decision API) or event loop (the proxy).
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
    return answer.map(d -> counted(engine, d, start));
  }

  /**
   * Decides {@code request} and hands the decision (or what failed) to {@code then}: at once when
   * the store is in memory, else on {@code loop} when the store answers.
   */
  void decide(
      Sluice engine, GatewayRequest request, Executor loop, BiConsumer<Decision, Throwable> then) {
    long start = System.nanoTime();
    if (engine.store() instanceof InMemoryStore) {
      Decision d;
      try {
        d = counted(engine, engine.decide(request), start);
      } catch (RuntimeException e) {
        then.accept(null, e);
        return;
      }
      then.accept(d, null);
      return;
    }
    engine
        .decideAsync(request)
        .whenComplete(
            (d, e) ->
                loop.execute(
                    () -> {
                      if (e != null) {
                        then.accept(null, e);
                      } else {
                        then.accept(counted(engine, d, start), null);
                      }
                    }));
  }

  private Decision counted(Sluice engine, Decision d, long start) {
    metrics.decided(d, System.nanoTime() - start);
    ops.record(engine, d);
    if (d.storeFailure() != null) {
      storeFailed(engine, d);
    } else if (d.outcome() == Decision.Outcome.UNAVAILABLE) { // the table could not count it
      metrics.storeFailed("table-full");
    }
    return d;
  }

  private void storeFailed(Sluice engine, Decision d) {
    String mode = engine.policy().onStoreFailure().label();
    metrics.storeFailed(mode);
    long now = System.nanoTime();
    long last = lastStoreLog.get();
    if (now - last >= LOG_EVERY_NANOS && lastStoreLog.compareAndSet(last, now)) {
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

  /** What Sluice answers itself for a request the engine did not let through. */
  record Refusal(int status, List<Header> headers, String contentType, String body) {}

  /**
   * The answer to a request the engine did not let through: 429 with the policy's headers and body,
   * 400 for a request it cannot count, 503 when the store cannot count it.
   */
  static Refusal refusal(Sluice engine, Decision d) {
    List<Header> headers = engine.headers(d);
    return switch (d.outcome()) {
      case DENIED -> new Refusal(429, headers, engine.denialContentType(), engine.denialBody(d));
      case INVALID ->
          new Refusal(
              400, headers, "application/json", JsonErrors.body("INVALID_REQUEST", d.problem()));
      case UNAVAILABLE ->
          new Refusal(
              503,
              headers,
              "application/json",
              JsonErrors.body("RATE_LIMIT_UNAVAILABLE", d.problem()));
      default -> throw new IllegalArgumentException("not a refusal: " + d.outcome());
    };
  }

  /** The outcome's name as the APIs and metrics spell it. */
  static String outcomeName(Decision d) {
    return d.outcome().name().toLowerCase(Locale.ROOT);
  }
}
