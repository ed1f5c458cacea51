package dev.sluice.server.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * The tiny API {@code sluice serve --demo} puts behind the gateway, so a newcomer sees headers and
 * 429s without an API of their own: every request is answered 200 with a JSON echo of what arrived
 * (method, path, the forwarded-for headers and the body's size).
 */
public final class DemoUpstream implements AutoCloseable {
  private final Vertx vertx;
  private final HttpServer server;

  private DemoUpstream(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /** Starts it on {@code 127.0.0.1:port} (0 for any free port). */
  public static DemoUpstream start(int port) {
    Vertx vertx = Vertx.vertx();
    try {
      HttpServer server =
          vertx
              .createHttpServer()
              .requestHandler(
                  req ->
                      req.body()
                          .onComplete(
                              body -> {
                                JsonObject echo =
                                    new JsonObject()
                                        .put(
                                            "demo",
                                            "this answer comes from the demo upstream, through"
                                                + " Sluice")
                                        .put("method", req.method().name())
                                        .put("uri", req.uri())
                                        .put("x_forwarded_for", req.getHeader("X-Forwarded-For"))
                                        .put(
                                            "body_bytes",
                                            body.succeeded() ? body.result().length() : 0);
                                req.response()
                                    .putHeader("Content-Type", "application/json")
                                    .end(echo.encodePrettily());
                              }))
              .listen(port, "127.0.0.1")
              .await(10, TimeUnit.SECONDS);
      return new DemoUpstream(vertx, server);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException(
          "cannot start the demo upstream on 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
  }

  /** Its URL. */
  public String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // shutting down anyway
    }
  }
}
