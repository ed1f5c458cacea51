package dev.sluice.server.ops;

import dev.sluice.core.http.ErrorBody;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/** The admin API's answers: JSON, never cached, errors as {@code {"error": {...}}}. */
final class Replies {
  static final int MAX_BODY_BYTES = 64 * 1024;

  private Replies() {}

  static void json(HttpServerResponse response, int status, JsonObject body) {
    if (response.ended() || response.closed()) {
      return;
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }

  /** An error answer, its body core's {@link ErrorBody}, as every error Sluice answers. */
  static void error(HttpServerResponse response, int status, String code, String message) {
    if (response.ended() || response.closed()) {
      return;
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", ErrorBody.CONTENT_TYPE)
        .putHeader("Cache-Control", "no-store")
        .end(ErrorBody.of(code, message));
  }

  /** A 400 naming the field at fault. */
  static void bad(HttpServerResponse response, String code, BadInput e) {
    json(
        response,
        400,
        new JsonObject()
            .put(
                "error",
                new JsonObject()
                    .put("code", code)
                    .put("field", e.field)
                    .put("message", e.getMessage())));
  }

  static void text(HttpServerResponse response, String contentType, String body) {
    response
        .setStatusCode(200)
        .putHeader("Content-Type", contentType)
        .putHeader("Cache-Control", "no-store")
        .end(Buffer.buffer(body.getBytes(StandardCharsets.UTF_8)));
  }

  /** The request's body, at most {@link #MAX_BODY_BYTES}; fails with a {@link BadInput} beyond. */
  static Future<Buffer> body(HttpServerRequest req) {
    Promise<Buffer> p = Promise.promise();
    Buffer body = Buffer.buffer();
    req.handler(
        chunk -> {
          if (body.length() + chunk.length() > MAX_BODY_BYTES) {
            req.handler(null);
            req.endHandler(null);
            p.tryFail(new BadInput("", "the body is larger than " + MAX_BODY_BYTES + " bytes"));
            return;
          }
          body.appendBuffer(chunk);
        });
    req.endHandler(v -> p.tryComplete(body));
    req.exceptionHandler(p::tryFail);
    req.resume();
    return p.future();
  }
}
