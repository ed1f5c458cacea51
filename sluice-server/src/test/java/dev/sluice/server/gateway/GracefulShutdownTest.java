package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Gateway#close} drains: the ports stop accepting at once, a request already in flight still
 * gets its upstream's answer, and close returns once it has.
 */
class GracefulShutdownTest {
  static final Instant START = Instant.parse("2025-03-03T09:00:15Z");

  @TempDir Path dir;
  GatewayFixture f;

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void requestInFlight_completesWhileTheGatewayCloses_andNewConnectionsAreRefused()
      throws Exception {
    f = GatewayFixture.policy(dir, "key: ip\nglobal:\n  limits: 100/minute\n", START);
    CompletableFuture<Void> arrived = new CompletableFuture<>();
    CompletableFuture<Void> release = new CompletableFuture<>();
    f.upstream.behave(
        req ->
            req.body()
                .onSuccess(
                    body -> {
                      arrived.complete(null);
                      release.thenRun(
                          () ->
                              req.response()
                                  .putHeader("Content-Type", "text/plain")
                                  .end("answered after the close began"));
                    }));
    int port = f.gateway.port();
    int adminPort = f.gateway.adminPort();
    CompletableFuture<HttpResponse<String>> inFlight =
        f.http.sendAsync(
            HttpRequest.newBuilder(f.proxy("/slow"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("payload"))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    arrived.get(10, TimeUnit.SECONDS);

    CompletableFuture<Void> closing = CompletableFuture.runAsync(f.gateway::close);
    awaitRefusing(port);

    assertThat(inFlight).as("still waiting for the upstream").isNotDone();
    assertThat(closing).as("close waits for the request in flight").isNotDone();
    release.complete(null);
    HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("answered after the close began");
    assertThat(r.headers().firstValue("Connection"))
        .as("the connection ends with the drain")
        .hasValue("close");
    assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue("99");
    closing.get(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class);
    assertThatThrownBy(() -> connect(adminPort)).isInstanceOf(ConnectException.class);
  }

  @Test
  void requestStillInFlightWhenTheDrainEnds_isAnswered503_notCutOffWithoutAWord() throws Exception {
    f = GatewayFixture.policy(dir, "key: ip\nglobal:\n  limits: 100/minute\n", START);
    CompletableFuture<Void> arrived = new CompletableFuture<>();
    f.upstream.behave(req -> arrived.complete(null)); // never answers
    CompletableFuture<HttpResponse<String>> inFlight =
        f.http.sendAsync(
            HttpRequest.newBuilder(f.proxy("/never")).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    arrived.get(10, TimeUnit.SECONDS);

    CompletableFuture<Void> closing = CompletableFuture.runAsync(f.gateway::close);

    // The fixture drains for 2 s; then the request is answered, before the connection closes.
    HttpResponse<String> r = inFlight.get(20, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("\"code\":\"SHUTTING_DOWN\"");
    assertThat(r.headers().firstValue("Connection")).hasValue("close");
    assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(r.headers().firstValue("X-RateLimit-Remaining")).as("it was counted").hasValue("99");
    closing.get(20, TimeUnit.SECONDS);
  }

  @Test
  void idleGateway_closesPromptly() throws Exception {
    f = GatewayFixture.policy(dir, "key: ip\nglobal:\n  limits: 100/minute\n", START);
    assertThat(f.get("/warm").statusCode()).isEqualTo(200); // leaves an idle keep-alive connection
    int port = f.gateway.port();

    CompletableFuture.runAsync(f.gateway::close).get(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class);
  }

  /** Returns once {@code port} refuses connections (the listener is closed); fails after 10 s. */
  private static void awaitRefusing(int port) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try {
        connect(port);
      } catch (ConnectException refused) {
        return;
      } catch (SocketException reset) {
        // accepted into the backlog just as the listener closed, then reset: closing, not yet
        // refusing; the next attempt tells
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("port " + port + " still accepts connections 10 s into the close");
  }

  private static void connect(int port) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoLinger(true, 0);
    }
  }
}
