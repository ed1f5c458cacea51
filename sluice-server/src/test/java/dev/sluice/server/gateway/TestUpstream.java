package dev.sluice.server.gateway;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A real HTTP upstream for gateway tests, on a free loopback port: records every request that
 * reaches it (method, request-target, headers, body) and answers 200 with {@code {"upstream":
 * true}} and an {@code X-Upstream: yes} header, unless told to behave otherwise with {@link
 * #behave}.
 */
final class TestUpstream implements AutoCloseable {

  /** What reached the upstream. */
  record Received(String method, String uri, MultiMap headers, Buffer body) {}

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile Consumer<HttpServerRequest> behaviour;

  TestUpstream() {
    try {
      server =
          vertx
              .createHttpServer()
              .requestHandler(this::handle)
              .listen(0, "127.0.0.1")
              .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpServerRequest req) {
    Consumer<HttpServerRequest> b = behaviour;
    if (b != null) {
      b.accept(req);
      return;
    }
    req.body()
        .onSuccess(
            body -> {
              MultiMap copy = HttpHeaders.headers().addAll(req.headers());
              received.add(new Received(req.method().name(), req.uri(), copy, body));
              req.response()
                  .putHeader("Content-Type", "application/json")
                  .putHeader("X-Upstream", "yes")
                  .end("{\"upstream\": true}");
            });
  }

  /** Answers every request with {@code behaviour} from now on ({@code null}: the default). */
  void behave(Consumer<HttpServerRequest> behaviour) {
    this.behaviour = behaviour;
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  int port() {
    return server.actualPort();
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
