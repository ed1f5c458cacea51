package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream down, silent or dying mid-answer gives a JSON 502/504 or a visibly broken response,
 * with the request still counted; the gateway stays up. Messages cross the gateway as RFC 9110
 * says: hop-by-hop headers stay behind in both directions, chunked and large bodies arrive intact.
 */
class UpstreamFailureTest {
  static final Instant START = Instant.parse("2025-03-03T09:00:15Z");
  static final String POLICY =
      """
      key: ip
      global:
        limits: 3/minute
      """;
  static final String ROOMY =
      """
      key: ip
      global:
        limits: 10_000/minute
      """;

  @TempDir Path dir;
  GatewayFixture f;

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  @Test
  void upstreamDown_is502Json_andTheRequestIsStillCounted() {
    f = GatewayFixture.policy(dir, POLICY, START);
    f.upstream.close(); // its port is now closed: every connection is refused

    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> r = f.get("/orders");

      assertThat(r.statusCode()).as("request %d", i).isEqualTo(502);
      assertThat(error(r)).isEqualTo("UPSTREAM_UNAVAILABLE");
      assertThat(r.headers().firstValue("X-RateLimit-Remaining"))
          .as("request %d", i)
          .hasValue(Integer.toString(3 - i));
      assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
    }
    HttpResponse<String> denied = f.get("/orders");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(scrape()).contains("sluice_upstream_errors_total{kind=\"connect\"} 3.0");
  }

  @Test
  void upstreamSilent_is504JsonAfterTheTimeout_andTheRequestIsStillCounted() {
    f = GatewayFixture.policy(dir, POLICY, START, Duration.ofMillis(300), 64 * 1024);
    f.upstream.behave(req -> {}); // reads the request, never answers

    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> r = f.get("/orders");

      assertThat(r.statusCode()).as("request %d", i).isEqualTo(504);
      assertThat(error(r)).isEqualTo("UPSTREAM_TIMEOUT");
      assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(3 - i));
    }
    assertThat(f.get("/orders").statusCode()).isEqualTo(429);
    assertThat(scrape()).contains("sluice_upstream_errors_total{kind=\"timeout\"} 3.0");
  }

  @Test
  void upstreamStallingMidBody_breaksTheResponse_andTheGatewayStaysUp() {
    f = GatewayFixture.policy(dir, ROOMY, START, Duration.ofMillis(300), 64 * 1024);
    f.upstream.behave(
        req ->
            req.response()
                .setChunked(true)
                .putHeader("X-Upstream", "yes")
                .write("{\"partial\": ")); // and never another byte

    RawHttp.Response r =
        RawHttp.exchange(f.gateway.port(), "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("X-Upstream")).isEqualTo("yes");
    assertThat(r.complete()).as("the body never ends properly").isFalse();
    assertThat(r.text()).isEqualTo("{\"partial\": ");
    f.upstream.behave(null);
    assertThat(f.get("/after").statusCode()).isEqualTo(200);
  }

  @Test
  void upstreamClosingMidBody_breaksTheResponse_andTheGatewayStaysUp() {
    f = GatewayFixture.policy(dir, ROOMY, START);
    f.upstream.behave(
        req ->
            req.response()
                .setChunked(true)
                .putHeader("X-Upstream", "yes")
                .write("{\"partial\": ")
                .onComplete(v -> req.connection().close()));

    RawHttp.Response r =
        RawHttp.exchange(f.gateway.port(), "GET /dying HTTP/1.1\r\nHost: x\r\n\r\n");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("X-RateLimit-Remaining")).isEqualTo("9999");
    assertThat(r.complete()).as("a cut-off body must not look complete").isFalse();
    assertThat(r.text()).isEqualTo("{\"partial\": ");
    f.upstream.behave(null);
    for (int i = 0; i < 3; i++) {
      assertThat(f.get("/after").statusCode()).isEqualTo(200);
    }
    assertThat(scrape()).contains("sluice_upstream_errors_total{kind=\"reset\"} 1.0");
  }

  /**
   * A client whose chunked body turns malformed midway loses its connection (Vert.x closes it at
   * the bad chunk) and the forward is reset; that is the client's doing, and was once counted and
   * logged as the upstream being unreachable.
   */
  @Test
  void malformedChunkedBodyFromTheClient_isNotBlamedOnTheUpstream() throws Exception {
    f = GatewayFixture.policy(dir, ROOMY, START);
    java.util.concurrent.CountDownLatch firstChunk = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch upstreamClosed = new java.util.concurrent.CountDownLatch(1);
    f.upstream.behave(
        req -> {
          req.handler(chunk -> firstChunk.countDown());
          req.connection().closeHandler(v -> upstreamClosed.countDown());
        });

    try (java.net.Socket s =
        new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), f.gateway.port())) {
      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write(
              ("POST /upload HTTP/1.1\r\nHost: x\r\n"
                      + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(firstChunk.await(30, java.util.concurrent.TimeUnit.SECONDS))
          .as("the forward is under way")
          .isTrue();
      s.getOutputStream().write("ZZ\r\nabc\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(answer).as("whatever is answered, it is no 5xx").doesNotStartWith("HTTP/1.1 5");
    }
    // The gateway resets the forward, and decides whom to blame, before the upstream sees it.
    assertThat(upstreamClosed.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    f.upstream.behave(null);

    assertThat(f.get("/after").statusCode()).isEqualTo(200);
    assertThat(scrape())
        .contains("sluice_upstream_errors_total{kind=\"connect\"} 0.0")
        .contains("sluice_upstream_errors_total{kind=\"timeout\"} 0.0");
  }

  @Test
  void hopByHopRequestHeaders_areNotForwarded_endToEndOnesAre() {
    f = GatewayFixture.policy(dir, ROOMY, START);

    RawHttp.Response r =
        RawHttp.exchange(
            f.gateway.port(),
            """
            GET /hop HTTP/1.1\r
            Host: api.example\r
            Connection: close, X-Custom\r
            X-Custom: per-connection\r
            Keep-Alive: timeout=5\r
            TE: trailers\r
            Trailer: X-Checksum\r
            Upgrade: example/1\r
            Proxy-Authorization: Basic cHJveHk6c2VjcmV0\r
            Proxy-Connection: keep-alive\r
            X-End-To-End: kept\r
            Authorization: Bearer kept\r
            Accept: application/json\r
            \r
            """);

    assertThat(r.status()).isEqualTo(200);
    var got = f.upstream.received.get(0).headers();
    for (String hop :
        new String[] {
          "X-Custom",
          "Keep-Alive",
          "TE",
          "Trailer",
          "Upgrade",
          "Proxy-Authorization",
          "Proxy-Connection"
        }) {
      assertThat(got.contains(hop)).as("%s forwarded", hop).isFalse();
    }
    assertThat(got.getAll("Connection"))
        .as("the client's Connection")
        .doesNotContain("close, X-Custom");
    assertThat(got.get("X-End-To-End")).isEqualTo("kept");
    assertThat(got.get("Authorization")).isEqualTo("Bearer kept");
    assertThat(got.get("Accept")).isEqualTo("application/json");
    assertThat(got.get("X-Forwarded-Host")).isEqualTo("api.example");
  }

  @Test
  void hopByHopResponseHeaders_areNotForwarded_endToEndOnesAre() {
    f = GatewayFixture.policy(dir, ROOMY, START);
    f.upstream.behave(
        req ->
            req.response()
                .putHeader("Connection", "X-Upstream-Conn")
                .putHeader("X-Upstream-Conn", "per-connection")
                .putHeader("Keep-Alive", "timeout=5, max=100")
                .putHeader("Proxy-Authenticate", "Basic realm=upstream")
                .putHeader("Upgrade", "example/1")
                .putHeader("Trailer", "X-Checksum")
                .putHeader("X-End-To-End", "kept")
                .putHeader("ETag", "\"v1\"")
                .putHeader("Content-Type", "application/json")
                .end("{\"ok\": true}"));

    RawHttp.Response r = RawHttp.exchange(f.gateway.port(), "GET /hop HTTP/1.1\r\nHost: x\r\n\r\n");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo("{\"ok\": true}");
    for (String hop :
        new String[] {
          "Connection", "X-Upstream-Conn", "Keep-Alive", "Proxy-Authenticate", "Upgrade", "Trailer"
        }) {
      assertThat(r.has(hop)).as("%s relayed: %s", hop, r.headers()).isFalse();
    }
    assertThat(r.header("X-End-To-End")).isEqualTo("kept");
    assertThat(r.header("ETag")).isEqualTo("\"v1\"");
    assertThat(r.header("X-RateLimit-Limit")).isEqualTo("10000");
  }

  @Test
  void chunkedRequestBody_arrivesIntact() {
    f = GatewayFixture.policy(dir, ROOMY, START);

    RawHttp.Response r =
        RawHttp.exchange(
            f.gateway.port(),
            """
            POST /upload HTTP/1.1\r
            Host: x\r
            Content-Type: text/plain\r
            Transfer-Encoding: chunked\r
            \r
            5\r
            hello\r
            1;ext=1\r
             \r
            10\r
            caf\u00c3\u00a9 and more!!\r
            0\r
            \r
            """);

    assertThat(r.status()).isEqualTo(200);
    TestUpstream.Received got = f.upstream.received.get(0);
    assertThat(got.body().toString(StandardCharsets.UTF_8)).isEqualTo("hello caf\u00e9 and more!!");
    assertThat(got.headers().get("Content-Type")).isEqualTo("text/plain");
  }

  @Test
  void largeBody_streamsThroughIntactBothWays() {
    f = GatewayFixture.policy(dir, ROOMY, START);
    f.upstream.behave(
        req ->
            req.body()
                .onSuccess(
                    body -> {
                      f.upstream.received.add(
                          new TestUpstream.Received(
                              req.method().name(),
                              req.uri(),
                              HttpHeaders.headers().addAll(req.headers()),
                              body));
                      req.response()
                          .putHeader("Content-Type", "application/octet-stream")
                          .end(body);
                    }));
    byte[] payload = new byte[5 * 1024 * 1024];
    new Random(42).nextBytes(payload);

    HttpResponse<byte[]> r =
        sendBytes(
            HttpRequest.newBuilder(f.proxy("/blobs"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload)));

    assertThat(r.statusCode()).isEqualTo(200);
    Buffer received = f.upstream.received.get(0).body();
    assertThat(received.length()).isEqualTo(payload.length);
    assertThat(received.getBytes()).as("upstream got the bytes sent").isEqualTo(payload);
    assertThat(r.body()).as("the client got the bytes echoed").isEqualTo(payload);
  }

  private HttpResponse<byte[]> sendBytes(HttpRequest.Builder b) {
    try {
      return f.http.send(
          b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String error(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).doesNotContain("Exception");
    return new io.vertx.core.json.JsonObject(r.body()).getJsonObject("error").getString("code");
  }

  private String scrape() {
    return f.send(HttpRequest.newBuilder(f.admin("/metrics")).GET()).body();
  }
}
