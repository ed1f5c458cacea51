package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
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
 * A load balancer's view of a gateway that stops in phases ({@link Gateway#withdraw}, then {@link
 * Gateway#close}), through real sockets: readiness fails first while requests are still answered,
 * then the ports stop accepting while the requests in flight finish with {@code Connection: close},
 * and the health port answers "stopping" until the very end.
 */
class PhasedShutdownTest {
  static final Instant START = Instant.parse("2025-03-03T09:00:15Z");

  @TempDir Path dir;
  GatewayFixture f;

  @AfterEach
  void close() {
    f.close();
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return f.http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withdrawn_readinessFails_whileRequestsAreStillServed_thenTheDrainEndsThem()
      throws Exception {
    f = GatewayFixture.policy(dir, "key: ip\nglobal:\n  limits: 100/minute\n", START);
    int probes = f.gateway.listenForProbes("127.0.0.1", 0);
    int port = f.gateway.port();
    int admin = f.gateway.adminPort();
    assertThat(get(probes, "/readyz").statusCode()).isEqualTo(200);
    assertThat(get(f.gateway.port(), "/warm").statusCode()).isEqualTo(200); // a kept-alive one

    f.gateway.withdraw();

    HttpResponse<String> unready = get(probes, "/readyz");
    assertThat(unready.statusCode()).isEqualTo(503);
    assertThat(unready.body()).contains("\"status\":\"stopping\"");
    assertThat(get(admin, "/readyz").statusCode()).isEqualTo(503);
    assertThat(get(probes, "/healthz").statusCode()).as("alive").isEqualTo(200);
    HttpResponse<String> served = get(port, "/still-served");
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.headers().firstValue("Connection"))
        .as("no drain yet: the connection is kept")
        .isEmpty();
    try (Socket fresh = new Socket(InetAddress.getLoopbackAddress(), port)) {
      assertThat(fresh.isConnected()).as("new connections still accepted").isTrue();
    }

    // A request in flight when the drain begins.
    CompletableFuture<Void> arrived = new CompletableFuture<>();
    CompletableFuture<Void> release = new CompletableFuture<>();
    f.upstream.behave(
        req -> {
          arrived.complete(null);
          release.thenRun(() -> req.response().end("answered in the drain"));
        });
    CompletableFuture<HttpResponse<String>> inFlight =
        f.http.sendAsync(
            HttpRequest.newBuilder(f.proxy("/slow")).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    arrived.get(10, TimeUnit.SECONDS);

    CompletableFuture<Void> closing = CompletableFuture.runAsync(f.gateway::close);
    awaitRefusing(port);

    assertThat(get(probes, "/readyz").statusCode())
        .as("the health port outlives the drain, unready")
        .isEqualTo(503);
    assertThat(inFlight).isNotDone();
    release.complete(null);
    HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("answered in the drain");
    assertThat(r.headers().firstValue("Connection")).hasValue("close");
    closing.get(20, TimeUnit.SECONDS);
    assertThatThrownBy(() -> connect(probes)).isInstanceOf(ConnectException.class);
  }

  @Test
  void theHealthPort_servesProbesOnly_withoutDetails() throws Exception {
    f = GatewayFixture.policy(dir, "key: ip\nglobal:\n  limits: 100/minute\n", START);
    int probes = f.gateway.listenForProbes("127.0.0.1", 0);

    assertThat(get(probes, "/readyz").body()).isEqualTo("{\"status\":\"ready\"}");
    assertThat(get(probes, "/healthz").body()).isEqualTo("{\"status\":\"ok\"}");
    for (String other : new String[] {"/metrics", "/admin/overrides", "/dashboard", "/"}) {
      HttpResponse<String> r = get(probes, other);
      assertThat(r.statusCode()).as(other).isEqualTo(404);
      assertThat(r.body()).contains("GET /healthz and GET /readyz only");
    }
    HttpResponse<String> post =
        f.http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + probes + "/readyz"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
  }

  @Test
  void aHealthPortInUse_isRefusedSayingWhich() throws Exception {
    f = GatewayFixture.policy(dir, "key: ip\nglobal:\n  limits: 100/minute\n", START);

    assertThatThrownBy(() -> f.gateway.listenForProbes("127.0.0.1", f.gateway.adminPort()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("(the health port)");
  }

  private static void awaitRefusing(int port) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try {
        connect(port);
      } catch (ConnectException refused) {
        return;
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
