package dev.sluice.server.gateway;

import dev.sluice.envoy.JsonFace;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * envoyproxy/ratelimit's HTTP face on the admin port, for the probes and scripts written for it:
 * {@code POST /json} (a {@code RateLimitRequest} in JSON, 200 or 429) and {@code GET /healthcheck}
 * (200 {@code OK} while the store answers). Both answer 404 when the rate limit service is off.
 */
final class EnvoyHttp {
  private static final int MAX_REQUEST_BYTES = 64 * 1024;

  private EnvoyHttp() {}

  static void json(HttpServerRequest req, JsonFace face) {
    if (face == null) {
      off(req);
      return;
    }
    Context context = Vertx.currentContext();
    Buffer raw = Buffer.buffer();
    boolean[] tooLarge = {false};
    req.handler(
        chunk -> {
          if (tooLarge[0]) {
            return;
          }
          if (raw.length() + chunk.length() > MAX_REQUEST_BYTES) {
            tooLarge[0] = true;
            JsonErrors.send(
                req.response().putHeader("Connection", "close"),
                413,
                "BODY_TOO_LARGE",
                "a rate limit request may be at most " + MAX_REQUEST_BYTES + " bytes");
            return;
          }
          raw.appendBuffer(chunk);
        });
    req.endHandler(
        v -> {
          if (tooLarge[0]) {
            return;
          }
          face.answer(raw.toString(java.nio.charset.StandardCharsets.UTF_8))
              .whenComplete(
                  (reply, failure) ->
                      context.runOnContext(
                          x -> {
                            if (failure != null) {
                              JsonErrors.send(
                                  req.response(),
                                  500,
                                  "INTERNAL_ERROR",
                                  "the rate limit service failed");
                              return;
                            }
                            req.response()
                                .setStatusCode(reply.status())
                                .putHeader("Content-Type", "application/json")
                                .end(reply.body());
                          }));
        });
    req.resume();
  }

  static void health(HttpServerRequest req, Engines engines) {
    if (engines.envoyJson() == null) {
      off(req);
      return;
    }
    Context context = Vertx.currentContext();
    engines
        .probe()
        .whenComplete(
            (ok, failure) ->
                context.runOnContext(
                    x ->
                        req.response()
                            .setStatusCode(failure == null ? 200 : 500)
                            .putHeader("Content-Type", "text/plain; charset=utf-8")
                            .end(failure == null ? "OK" : "the store is unavailable")));
  }

  private static void off(HttpServerRequest req) {
    JsonErrors.send(
        req.response(),
        404,
        "NOT_FOUND",
        req.path() + " is envoyproxy/ratelimit's HTTP face: it is served with --rls-port");
  }
}
