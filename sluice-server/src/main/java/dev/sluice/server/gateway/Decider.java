package dev.sluice.server.gateway;

import dev.sluice.core.Decision;
import dev.sluice.core.Sluice;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * Asks an engine for a decision from an event loop: on the loop itself when its store does not
 * {@linkplain dev.sluice.core.store.Store#blocks() block} (the in-memory store decides in a few
 * hundred nanoseconds), else asynchronously, the answer coming back on the request's own context
 * (the decision API) or event loop (the proxy).
 *
 * <p>Nothing is counted here: every engine the gateway builds tells its listeners (metrics, usage,
 * webhooks, the store-failure log; see {@link Engines#listen}) of each decision itself.
 */
final class Decider {
  private Decider() {}

  /** Decides {@code request}, completing on {@code context} when the store answers. */
  static Future<Decision> decide(Sluice engine, GatewayRequest request, Context context) {
    if (!engine.store().blocks()) {
      return Future.succeededFuture(engine.decide(request));
    }
    return Future.fromCompletionStage(engine.decideAsync(request), context);
  }

  /**
   * Decides {@code request} and hands the decision (or what failed) to {@code then}: at once when
   * the store does not block, else on {@code loop} when the store answers.
   */
  static void decide(
      Sluice engine, GatewayRequest request, Executor loop, BiConsumer<Decision, Throwable> then) {
    if (!engine.store().blocks()) {
      Decision d;
      try {
        d = engine.decide(request);
      } catch (RuntimeException e) {
        then.accept(null, e);
        return;
      }
      then.accept(d, null);
      return;
    }
    engine
        .decideAsync(request)
        .whenComplete((d, e) -> loop.execute(() -> then.accept(e != null ? null : d, e)));
  }
}
