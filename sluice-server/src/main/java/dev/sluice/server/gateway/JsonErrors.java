package dev.sluice.server.gateway;

import dev.sluice.core.http.ErrorBody;
import io.vertx.core.http.HttpServerResponse;

/**
 * The gateway's own error answers (400, 404, 413, 500, 502, 503, 504): always JSON, always {@code
 * {"error":{"code":"...","message":"..."}}}, never a stack trace. A 429 is not one of these: it
 * carries the policy's denial body. The body is core's {@link ErrorBody}, the one the engine's
 * {@code Sluice.answer} gives for a 400 or 503, so every front door writes errors alike.
 */
final class JsonErrors {
  private JsonErrors() {}

  static void send(HttpServerResponse response, int status, String code, String message) {
    if (response.headWritten() || response.ended() || response.closed()) {
      if (!response.ended() && !response.closed()) {
        response.reset(); // mid-body: the only honest signal left is a broken stream
      }
      return;
    }
    String body = body(code, message);
    response
        .setStatusCode(status)
        .putHeader("Content-Type", ErrorBody.CONTENT_TYPE)
        .putHeader("Cache-Control", "no-store")
        .end(body);
  }

  static String body(String code, String message) {
    return ErrorBody.of(code, message);
  }
}
