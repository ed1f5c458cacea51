package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that attack the proxy rather than use it: headers trickled to hold a connection, a body
 * that stops, more connections than one address should hold, a broken chunk size on a streamed
 * route; and {@code /healthz} when the proxy cannot accept. Real sockets; the deadlines are tiny so
 * nothing waits long, and only outcomes are asserted, never how long they took.
 */
class HostileClientTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:05Z");
  static final String POLICY = "key: ip\nglobal:\n  limits: 1_000_000/minute\n";

  @TempDir Path dir;
  GatewayFixture f;
  final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void close() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (f != null) {
      f.close();
    }
  }

  GatewayFixture start(UnaryOperator<Gateway.Options> tune) {
    return f = GatewayFixture.tuned(dir, POLICY, START, tune);
  }

  Socket connect(String from) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), f.gateway.port()));
    s.setSoTimeout(30_000); // a safety net only
    return s;
  }

  static void send(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  static RawHttp.Response read(Socket s) throws IOException {
    return RawHttp.read(new BufferedInputStream(s.getInputStream()));
  }

  /** Reads what is left until the gateway closes the connection. */
  static String rest(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  String metrics() {
    return f.send(HttpRequest.newBuilder(f.admin("/metrics")).GET()).body();
  }

  @Test
  void headersTrickledPastTheHeaderDeadline_get408Json_andTheConnectionCloses() throws Exception {
    start(o -> o.withClientTimeouts(Duration.ofMillis(200), Duration.ofSeconds(30)));
    Socket s = connect("127.0.0.1");

    send(s, "GET /slow HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n");
    BufferedInputStream in = new BufferedInputStream(s.getInputStream());
    RawHttp.Response r = RawHttp.read(in);

    assertThat(r.status()).isEqualTo(408);
    assertThat(r.jsonError().getString("code")).isEqualTo("REQUEST_TIMEOUT");
    assertThat(r.header("Connection")).isEqualTo("close");
    assertThat(in.read()).as("closed after the 408").isEqualTo(-1);
    assertThat(f.upstream.received).isEmpty();
    assertThat(metrics()).contains("sluice_client_timeouts_total{phase=\"header\"} 1.0");
  }

  @Test
  void nextRequestOnAKeptAliveConnection_hasItsOwnHeaderDeadline() throws Exception {
    start(o -> o.withClientTimeouts(Duration.ofMillis(200), Duration.ofSeconds(30)));
    Socket s = connect("127.0.0.1");
    BufferedInputStream in = new BufferedInputStream(s.getInputStream());
    send(s, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(RawHttp.read(in).status()).isEqualTo(200);

    send(s, "GET /second HTTP/1.1\r\n");
    RawHttp.Response r = RawHttp.read(in);

    assertThat(r.status()).isEqualTo(408);
    assertThat(r.jsonError().getString("code")).isEqualTo("REQUEST_TIMEOUT");
    assertThat(in.read()).isEqualTo(-1);
  }

  @Test
  void bodyThatStopsArriving_gets408Json_andTheForwardIsAbandoned() throws Exception {
    start(o -> o.withClientTimeouts(Duration.ofSeconds(30), Duration.ofMillis(200)));
    CountDownLatch upstreamClosed = new CountDownLatch(1);
    f.upstream.behave(req -> req.connection().closeHandler(v -> upstreamClosed.countDown()));
    Socket s = connect("127.0.0.1");

    send(s, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly some");
    RawHttp.Response r = read(s);

    assertThat(r.status()).isEqualTo(408);
    assertThat(r.jsonError().getString("code")).isEqualTo("REQUEST_TIMEOUT");
    assertThat(upstreamClosed.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(metrics())
        .contains("sluice_client_timeouts_total{phase=\"body\"} 1.0")
        .contains("sluice_upstream_errors_total{kind=\"connect\"} 0.0")
        .contains("sluice_upstream_errors_total{kind=\"reset\"} 0.0")
        .contains("sluice_upstream_errors_total{kind=\"timeout\"} 0.0");
  }

  @Test
  void connectionOverThePerClientCap_isAnswered503AtOnce_whileAnotherAddressIsServed()
      throws Exception {
    start(o -> o.withConnectionLimits(100, 2));
    for (int i = 0; i < 2; i++) { // held open, kept alive: answered, so surely counted
      Socket held = connect("127.0.0.1");
      send(held, "GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(read(held).status()).isEqualTo(200);
    }

    Socket third = connect("127.0.0.1");
    send(third, "GET /third HTTP/1.1\r\nHost: x\r\n\r\n");
    BufferedInputStream in = new BufferedInputStream(third.getInputStream());
    RawHttp.Response refused = RawHttp.read(in);

    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.jsonError().getString("code")).isEqualTo("TOO_MANY_CONNECTIONS");
    assertThat(refused.header("Connection")).isEqualTo("close");
    assertThat(refused.header("Retry-After")).isEqualTo("1");
    assertThat(in.read()).as("closed after the 503").isEqualTo(-1);

    Socket other = connect("127.0.0.2");
    send(other, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(read(other).status()).isEqualTo(200);
    assertThat(f.upstream.received).extracting(TestUpstream.Received::uri).doesNotContain("/third");
    System.gc(); // the gauge once read NaN after a collection: Micrometer held its source weakly
    assertThat(metrics())
        .contains("sluice_connections_refused_total{reason=\"per_client\"} 1.0")
        .contains("sluice_connections 3.0");
  }

  @Test
  void connectionOverTheTotalCap_isAnswered503AtOnce() throws Exception {
    start(o -> o.withConnectionLimits(1, 256));
    Socket held = connect("127.0.0.1");
    send(held, "GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(read(held).status()).isEqualTo(200);

    Socket refused = connect("127.0.0.2");
    RawHttp.Response r = read(refused);

    assertThat(r.status()).isEqualTo(503);
    assertThat(r.jsonError().getString("message")).contains("as many connections as it may");
    assertThat(metrics()).contains("sluice_connections_refused_total{reason=\"total\"} 1.0");
  }

  @Test
  void brokenChunkSizeOnAStreamedRoute_gets400Json_andTheUpstreamIsNotBlamed() throws Exception {
    start(o -> o);
    CountDownLatch firstChunk = new CountDownLatch(1);
    f.upstream.behave(req -> req.handler(chunk -> firstChunk.countDown()));
    Socket s = connect("127.0.0.1");

    send(s, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    assertThat(firstChunk.await(30, TimeUnit.SECONDS)).as("the forward is under way").isTrue();
    send(s, "ZZ\r\nabc\r\n0\r\n\r\n");
    BufferedInputStream in = new BufferedInputStream(s.getInputStream());
    RawHttp.Response r = RawHttp.read(in);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.jsonError().getString("code")).isEqualTo("BAD_BODY");
    assertThat(r.header("Connection")).isEqualTo("close");
    assertThat(metrics())
        .contains("sluice_broken_bodies_total{outcome=\"answered\"} 1.0")
        .contains("sluice_upstream_errors_total{kind=\"connect\"} 0.0")
        .contains("sluice_upstream_errors_total{kind=\"reset\"} 0.0")
        .contains("sluice_upstream_errors_total{kind=\"timeout\"} 0.0");
  }

  @Test
  void healthz_fails503SayingWhy_whenTheProxyCannotAccept() throws Exception {
    start(o -> o);
    assertThat(f.send(HttpRequest.newBuilder(f.admin("/healthz")).GET()).statusCode())
        .isEqualTo(200);

    f.gateway.proxyServer().listenerForTest().close().sync();
    var health = f.send(HttpRequest.newBuilder(f.admin("/healthz")).GET());

    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(new io.vertx.core.json.JsonObject(health.body()).getString("problem"))
        .contains("listening socket is closed");
  }
}
