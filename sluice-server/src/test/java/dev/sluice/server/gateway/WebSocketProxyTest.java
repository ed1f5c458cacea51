package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.store.InMemoryStore;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSockets through the gateway, end to end: the JDK's WebSocket client, the gateway, and a real
 * WebSocket server (Netty's). The handshake is decided and counted once; then messages cross both
 * ways untouched, large ones with back-pressure, and a close on either side closes the other.
 */
class WebSocketProxyTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:05Z");
  static final String POLICY =
      "global: {key: ip, limits: 100/minute}\n"
          + "rules:\n"
          + "  - name: sockets\n"
          + "    route: GET /echo\n"
          + "    key: ip\n"
          + "    limits: 2/minute\n";

  @TempDir Path dir;

  WebSocketEchoUpstream upstream;
  Gateway gateway;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void close() {
    if (gateway != null) {
      gateway.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private void start(String yaml) throws IOException {
    start(yaml, o -> o);
  }

  private void start(String yaml, UnaryOperator<Gateway.Options> tune) throws IOException {
    upstream = new WebSocketEchoUpstream();
    start(yaml, tune, upstream.url(), Duration.ofSeconds(10));
  }

  private void start(
      String yaml, UnaryOperator<Gateway.Options> tune, String upstreamUrl, Duration timeout)
      throws IOException {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, yaml);
    InMemoryStore store =
        InMemoryStore.builder().ticker(new ManualTicker(START)).executor(Runnable::run).build();
    Gateway.Options options =
        new Gateway.Options(
            "127.0.0.1",
            0,
            "127.0.0.1",
            0,
            Upstream.parse(upstreamUrl, timeout),
            64 * 1024,
            1,
            Duration.ofSeconds(1));
    gateway =
        Gateway.start(
            new Engines(file, store, null),
            tune.apply(options),
            () -> Future.succeededFuture("memory"));
  }

  private URI ws(String path) {
    return URI.create("ws://127.0.0.1:" + gateway.port() + path);
  }

  /** A listener that queues every message (whole) and the close, and asks for one at a time. */
  static final class Recording implements WebSocket.Listener {
    final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        messages.add(text.toString());
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      byte[] piece = new byte[data.remaining()];
      data.get(piece);
      binary.write(piece, 0, piece.length);
      if (last) {
        messages.add(binary.toByteArray());
        binary.reset();
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }

    Object next() throws InterruptedException {
      Object m = messages.poll(30, TimeUnit.SECONDS);
      assertThat(m).as("a message within 30 s").isNotNull();
      return m;
    }
  }

  private WebSocket open(String path, Recording listener) {
    return http.newWebSocketBuilder().buildAsync(ws(path), listener).join();
  }

  @Test
  void messages_echoBothWays_throughTheGateway() throws Exception {
    start(POLICY);
    Recording r = new Recording();
    WebSocket ws = open("/echo", r);

    ws.sendText("hello", true).join();
    assertThat(r.next()).isEqualTo("hello");
    ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).join();
    assertThat((byte[]) r.next()).containsExactly(1, 2, 3);
    ws.sendText("again", true).join();
    assertThat(r.next()).isEqualTo("again");

    FullHandshake h = new FullHandshake(upstream.handshakes.get(0));
    assertThat(h.upgrade).isEqualToIgnoringCase("websocket");
    assertThat(h.connection).containsIgnoringCase("upgrade");
    assertThat(h.forwardedFor).isEqualTo("127.0.0.1");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
    assertThat(r.closed.get(30, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
  }

  /** What the upstream saw of a handshake. */
  private static final class FullHandshake {
    final String upgrade;
    final String connection;
    final String forwardedFor;

    FullHandshake(io.netty.handler.codec.http.FullHttpRequest r) {
      upgrade = r.headers().get("Upgrade");
      connection = r.headers().get("Connection");
      forwardedFor = r.headers().get("X-Forwarded-For");
    }
  }

  @Test
  void bigMessages_crossWhole_bothWays() throws Exception {
    start(POLICY);
    Recording r = new Recording();
    WebSocket ws = open("/echo", r);
    byte[] big = new byte[2 << 20]; // 32 times the channels' high water mark: reads must pause
    new Random(42).nextBytes(big);

    for (int i = 0; i < 3; i++) {
      ws.sendBinary(ByteBuffer.wrap(big), true).join();
    }

    for (int i = 0; i < 3; i++) {
      byte[] back = (byte[]) r.next();
      assertThat(back.length).isEqualTo(big.length);
      assertThat(Arrays.equals(back, big)).as("message %d intact", i).isTrue();
    }
  }

  @Test
  void handshakes_areCounted_andTheOneOverTheLimitGets429WithThePolicyBody() throws Exception {
    start(POLICY);
    Recording a = new Recording();
    Recording b = new Recording();
    open("/echo", a);
    open("/echo", b);

    RawHttp.Response third = RawHttp.exchange(gateway.port(), handshake("/echo"));

    assertThat(third.status()).isEqualTo(429);
    assertThat(third.text()).contains("\"detail\": \"Rate limit exceeded\"");
    assertThat(third.header("X-RateLimit-Limit")).isEqualTo("2");
    assertThat(third.header("Retry-After")).isNotNull();
    assertThat(upstream.handshakes).as("the refused one never reached the upstream").hasSize(2);
    Throwable viaJdk = catchThrowable(() -> open("/echo", new Recording()));
    assertThat(viaJdk).isInstanceOf(CompletionException.class);
    assertThat(viaJdk.getCause()).isInstanceOf(WebSocketHandshakeException.class);
    assertThat(((WebSocketHandshakeException) viaJdk.getCause()).getResponse().statusCode())
        .isEqualTo(429);
  }

  @Test
  void the101_carriesTheHandshakesRateLimitHeaders() throws Exception {
    start(POLICY);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
      s.getOutputStream().write(handshake("/echo").getBytes(StandardCharsets.US_ASCII));
      String status = RawHttp.line(s.getInputStream());
      StringBuilder head = new StringBuilder();
      String line;
      while (!(line = RawHttp.line(s.getInputStream())).isEmpty()) {
        head.append(line).append('\n');
      }

      assertThat(status).startsWith("HTTP/1.1 101");
      assertThat(head.toString())
          .containsIgnoringCase("upgrade: websocket")
          .containsIgnoringCase("connection: upgrade")
          .containsIgnoringCase("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
          .contains("X-RateLimit-Limit: 2")
          .contains("X-RateLimit-Remaining: 1");
    }
  }

  @Test
  void upstreamRefusingTheUpgrade_itsAnswerGoesBack_andTheConnectionServesOn() throws Exception {
    start(POLICY);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(handshake("/nowhere").getBytes(StandardCharsets.US_ASCII));
      RawHttp.Response refused = RawHttp.read(in);
      out.write("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      RawHttp.Response next = RawHttp.read(in);

      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.text()).isEqualTo("{\"error\": \"no socket here\"}");
      assertThat(refused.header("X-Upstream")).isEqualTo("refused");
      assertThat(refused.header("X-RateLimit-Limit")).isEqualTo("100");
      assertThat(refused.has("Upgrade")).isFalse();
      assertThat(next.status()).as("a plain request on the same connection").isEqualTo(403);
    }
    assertThat(metrics()).contains("sluice_websocket_upgrades_total{result=\"refused\"} 1.0");
  }

  @Test
  void upstreamDown_theHandshakeGets502() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    start(POLICY, o -> o, "http://127.0.0.1:" + closedPort, Duration.ofSeconds(10));

    RawHttp.Response r = RawHttp.exchange(gateway.port(), handshake("/echo"));

    assertThat(r.status()).isEqualTo(502);
    assertThat(r.jsonError().getString("code")).isEqualTo("UPSTREAM_UNAVAILABLE");
    assertThat(r.header("X-RateLimit-Remaining")).as("it was counted").isEqualTo("1");
  }

  @Test
  void upstreamSilent_theHandshakeGets504() throws Exception {
    // Connections are taken into the backlog, and nothing is ever answered.
    try (java.net.ServerSocket silent =
        new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      start(POLICY, o -> o, "http://127.0.0.1:" + silent.getLocalPort(), Duration.ofMillis(300));

      RawHttp.Response r = RawHttp.exchange(gateway.port(), handshake("/echo"));

      assertThat(r.status()).isEqualTo(504);
      assertThat(r.jsonError().getString("code")).isEqualTo("UPSTREAM_TIMEOUT");
    }
  }

  @Test
  void clientClosing_closesTheUpstreamConnection() throws Exception {
    start(POLICY);
    Recording r = new Recording();
    WebSocket ws = open("/echo", r);
    ws.sendText("x", true).join();
    r.next();

    ws.abort(); // the TCP connection goes, with no close frame

    assertThat(upstream.clientClosed.await(30, TimeUnit.SECONDS))
        .as("the upstream's connection closed too")
        .isTrue();
  }

  @Test
  void upstreamClosing_closesTheClient_withItsCloseFrame() throws Exception {
    start(POLICY.replace("GET /echo", "GET /close"));
    Recording r = new Recording();
    WebSocket ws = open("/close", r);

    ws.sendText("bye?", true).join();

    assertThat(r.closed.get(30, TimeUnit.SECONDS)).isEqualTo(4001);
  }

  @Test
  void otherUpgrades_areStripped_andForwardedAsPlainRequests() throws Exception {
    start(POLICY);
    RawHttp.Response h2c =
        RawHttp.exchange(
            gateway.port(),
            "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");

    // The echo server answers a plain GET it cannot upgrade with a 400: what matters is that the
    // upstream saw no Upgrade header.
    assertThat(h2c.status()).isNotEqualTo(101);
    assertThat(upstream.handshakes.get(0).headers().contains("Upgrade")).isFalse();
    assertThat(upstream.handshakes.get(0).headers().contains("HTTP2-Settings")).isFalse();
  }

  @Test
  void aSplicedSocket_holdsItsClientsConnectionSlot() throws Exception {
    start(POLICY, o -> o.withConnectionLimits(100, 1));
    Recording r = new Recording();
    WebSocket ws = open("/echo", r);
    ws.sendText("in", true).join();
    r.next();

    RawHttp.Response second = RawHttp.exchange(gateway.port(), handshake("/echo"));

    assertThat(second.status()).isEqualTo(503);
    ws.sendText("still here", true).join();
    assertThat(r.next()).isEqualTo("still here");
  }

  @Test
  void aQuietSocket_outlivesTheHeaderAndBodyDeadlines() throws Exception {
    start(POLICY, o -> o.withClientTimeouts(Duration.ofMillis(300), Duration.ofMillis(300)));
    Recording r = new Recording();
    WebSocket ws = open("/echo", r);
    ws.sendText("first", true).join();
    assertThat(r.next()).isEqualTo("first");

    // A plain connection opened after that message, and silent: its 408 says a header deadline
    // has run out since. Were the socket still under the HTTP deadlines, its frame would have
    // started one too, and the socket would be closed by now.
    try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
      assertThat(RawHttp.read(silent.getInputStream()).status()).isEqualTo(408);
    }
    ws.sendText("second", true).join();

    assertThat(r.next()).isEqualTo("second");
    assertThat(r.closed).isNotDone();
  }

  @Test
  void handshakes_showInMetrics() throws Exception {
    start(POLICY);
    Recording r = new Recording();
    open("/echo", r);

    assertThat(metrics())
        .contains("sluice_websocket_upgrades_total{result=\"upgraded\"} 1.0")
        .contains("sluice_decisions_total{outcome=\"allowed\",rule=\"sockets\"} 1.0");
  }

  private String metrics() {
    HttpResponse<String> m =
        GatewayFixture.send(
            http,
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.adminPort() + "/metrics"))
                .header("Authorization", "Bearer " + gateway.operations().token().value())
                .GET());
    return m.body();
  }

  static String handshake(String path) {
    return "GET "
        + path
        + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  }
}
