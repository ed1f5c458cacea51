package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.TestCa;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main port over TLS, with a certificate of a CA the test makes: HTTP/2 and HTTP/1.1 chosen by
 * ALPN, the certificate renewed by a reload (and a broken renewal refused), a client that does not
 * speak TLS closed and counted, and TLS to an {@code https://} upstream verified against its CA.
 */
class ProxyTlsTest {
  static final Instant START = Instant.parse("2025-03-03T09:00:15Z");
  static final String POLICY = "global: {key: ip, limits: 5/minute}\n";

  @TempDir static Path pki;
  static TestCa ca;
  static TestCa.Issued gatewayCert;

  @TempDir Path dir;
  TlsFixture f;

  @BeforeAll
  static void makeCa() throws Exception {
    ca = new TestCa(pki, "sluice");
    gatewayCert = ca.issue("gateway");
  }

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  private Path policy() throws IOException {
    Path p = dir.resolve("policy.yaml");
    Files.writeString(p, POLICY);
    return p;
  }

  private TlsFixture tls(ServerTls tls) throws IOException {
    return new TlsFixture(policy(), START, new Protocols(tls, false, null), ca, null);
  }

  /** The certificate in force: its subject's CN, as a new connection is shown it. */
  private String servedCn() throws IOException {
    try (SSLSocket s =
        (SSLSocket)
            ca.clientContext().getSocketFactory().createSocket("127.0.0.1", f.gateway.port())) {
      s.startHandshake();
      X509Certificate c = (X509Certificate) s.getSession().getPeerCertificates()[0];
      return c.getSubjectX500Principal().getName();
    }
  }

  @Test
  void http2OverTls_isDecidedAndForwarded_asHttps() throws IOException {
    f = tls(ServerTls.load(gatewayCert.certificate(), gatewayCert.key()));

    HttpResponse<String> r = f.get("/hello?x=1", "X-Request-Id", "req-1");

    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"upstream\": true}");
    assertThat(r.headers().firstValue("x-upstream")).hasValue("yes");
    assertThat(r.headers().firstValue("x-ratelimit-remaining")).hasValue("4");
    TestUpstream.Received got = f.upstream.received.get(0);
    assertThat(got.uri()).isEqualTo("/hello?x=1");
    assertThat(got.headers().get("X-Forwarded-Proto")).isEqualTo("https");
    assertThat(got.headers().get("X-Forwarded-For")).isEqualTo("127.0.0.1");
    assertThat(got.headers().get("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + f.gateway.port());
    assertThat(got.headers().get("X-Request-Id")).isEqualTo("req-1");
    assertThat(got.headers().names())
        .as("what the HTTP/2 conversion adds is not forwarded")
        .noneMatch(n -> n.toLowerCase().startsWith("x-http2-"));
  }

  @Test
  void http11OverTls_whenTheClientOffersOnlyIt() throws IOException {
    f = tls(ServerTls.load(gatewayCert.certificate(), gatewayCert.key()));
    HttpClient h1 =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(ca.clientContext())
            .build();

    HttpResponse<String> r = GatewayFixture.send(h1, HttpRequest.newBuilder(f.proxy("/a")));

    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(f.upstream.received.get(0).headers().get("X-Forwarded-Proto")).isEqualTo("https");
  }

  @Test
  void plainHttpToTheTlsPort_isClosedAndCounted_andOthersAreServed() throws IOException {
    f = tls(ServerTls.load(gatewayCert.certificate(), gatewayCert.key()));

    try (Socket s = new Socket("127.0.0.1", f.gateway.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      int first;
      try {
        first = in.read();
      } catch (java.net.SocketException reset) {
        first = -1; // reset: closed as well
      }
      assertThat(first)
          .as("nothing is answered in clear text; the connection closes")
          .isEqualTo(-1);
    }

    assertThat(f.metrics()).contains("sluice_tls_handshake_failures_total{reason=\"not_tls\"} 1.0");
    assertThat(f.get("/after").statusCode()).isEqualTo(200);
    assertThat(f.upstream.received).hasSize(1);
  }

  @Test
  void aConnectionOverTheCap_getsAFatalTlsAlert_notClearTextItCannotRead() throws Exception {
    f =
        new TlsFixture(
            policy(),
            START,
            new Protocols(
                ServerTls.load(gatewayCert.certificate(), gatewayCert.key()), false, null),
            ca,
            null,
            o -> o.withConnectionLimits(100, 1));
    try (SSLSocket held = clientSocket()) {
      held.getOutputStream()
          .write("GET /held HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      held.getOutputStream().flush();
      assertThat(RawHttp.read(new BufferedInputStream(held.getInputStream())).status())
          .as("answered, so surely counted")
          .isEqualTo(200);

      try (SSLSocket second = clientSocket()) {
        assertThatThrownBy(second::startHandshake)
            .isInstanceOf(SSLException.class)
            .hasMessageContaining("internal_error");
      }
    }

    assertThat(f.metrics())
        .contains("sluice_connections_refused_total{reason=\"per_client\"} 1.0")
        .contains("sluice_tls_handshake_failures_total{reason=\"not_tls\"} 0.0");
  }

  private SSLSocket clientSocket() throws IOException {
    SSLSocket s =
        (SSLSocket)
            ca.clientContext().getSocketFactory().createSocket("127.0.0.1", f.gateway.port());
    s.setSoTimeout(10_000);
    return s;
  }

  @Test
  void reload_withARenewedCertificate_servesItToNewConnections() throws Exception {
    Path cert = dir.resolve("live.crt");
    Path key = dir.resolve("live.key");
    Files.copy(gatewayCert.certificate(), cert);
    Files.copy(gatewayCert.key(), key);
    f = tls(ServerTls.load(cert, key));
    assertThat(servedCn()).isEqualTo("CN=gateway");

    TestCa.Issued renewed = ca.issue("renewed");
    Files.copy(renewed.certificate(), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
    HttpResponse<String> reload = f.reload();

    assertThat(reload.statusCode()).isEqualTo(200);
    assertThat(servedCn()).isEqualTo("CN=renewed");
    assertThat(f.get("/x").statusCode()).isEqualTo(200);
  }

  @Test
  void reload_withABrokenKey_keepsTheOldCertificateAndPolicy_andSaysWhy() throws Exception {
    Path cert = dir.resolve("live.crt");
    Path key = dir.resolve("live.key");
    Files.copy(gatewayCert.certificate(), cert);
    Files.copy(gatewayCert.key(), key);
    f = tls(ServerTls.load(cert, key));
    TestCa.Issued renewed = ca.issue("renewed-but-mismatched");
    Files.copy(
        renewed.certificate(), cert, StandardCopyOption.REPLACE_EXISTING); // key left as it was
    Files.writeString(dir.resolve("policy.yaml"), "global: {key: ip, limits: 1/minute}\n");

    HttpResponse<String> reload = f.reload();
    String viaSighup = f.gateway.reload();

    assertThat(reload.statusCode()).isEqualTo(422);
    assertThat(reload.body())
        .contains("\"code\":\"INVALID_CERTIFICATE\"")
        .contains("is not the private key of the certificate in --tls-cert");
    assertThat(viaSighup).contains("--tls-key " + key);
    assertThat(servedCn()).isEqualTo("CN=gateway");
    HttpResponse<String> r = f.get("/x");
    assertThat(r.headers().firstValue("x-ratelimit-limit"))
        .as("the policy of a refused reload is not put in force either")
        .hasValue("5");
    assertThat(f.metrics()).contains("sluice_policy_reloads_total{result=\"refused\"} 2.0");
  }

  @Test
  void reload_withABadPolicy_keepsTheOldCertificate() throws Exception {
    Path cert = dir.resolve("live.crt");
    Path key = dir.resolve("live.key");
    Files.copy(gatewayCert.certificate(), cert);
    Files.copy(gatewayCert.key(), key);
    f = tls(ServerTls.load(cert, key));
    TestCa.Issued renewed = ca.issue("renewed-with-bad-policy");
    Files.copy(renewed.certificate(), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(dir.resolve("policy.yaml"), "global: {limits: 5/minuet}\n");

    assertThat(f.reload().statusCode()).isEqualTo(422);
    assertThat(servedCn()).as("a reload is all or nothing").isEqualTo("CN=gateway");
  }

  @Test
  void load_refusesBadFiles_sayingWhichAndWhy() throws Exception {
    TestCa.Issued other = ca.issue("other");
    Path missing = dir.resolve("missing.pem");
    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "not a certificate\n");

    assertThatThrownBy(() -> ServerTls.load(gatewayCert.certificate(), other.key()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--tls-key "
                + other.key()
                + " is not the private key of the certificate in --tls-cert "
                + gatewayCert.certificate()
                + " (a different key); give the key the certificate was issued for");
    assertThatThrownBy(() -> ServerTls.load(missing, gatewayCert.key()))
        .hasMessage("--tls-cert " + missing + " does not exist");
    assertThatThrownBy(() -> ServerTls.load(garbage, gatewayCert.key()))
        .hasMessageStartingWith("--tls-cert " + garbage + " holds no PEM certificate");
    assertThatThrownBy(() -> ServerTls.load(gatewayCert.certificate(), gatewayCert.certificate()))
        .hasMessageStartingWith(
            "--tls-key " + gatewayCert.certificate() + " holds no PEM private key");
    assertThatThrownBy(() -> UpstreamTls.trusting(garbage))
        .hasMessageStartingWith("--upstream-ca " + garbage + " holds no PEM certificate");
  }

  @Test
  void curlOverHttp2_getsTheSameRateLimitHeaders() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Curl.available(), "curl is not installed: the curl check is skipped");
    f = tls(ServerTls.load(gatewayCert.certificate(), gatewayCert.key()));

    String out =
        Curl.run(
            "-sS",
            "--http2",
            "--cacert",
            ca.certificate.toString(),
            "-D",
            "-",
            "https://127.0.0.1:" + f.gateway.port() + "/curl");

    assertThat(out)
        .startsWith("HTTP/2 200")
        .contains("x-ratelimit-limit: 5")
        .contains("x-ratelimit-remaining: 4")
        .endsWith("{\"upstream\": true}");
    assertThat(f.upstream.received.get(0).headers().get("X-Forwarded-Proto")).isEqualTo("https");
  }

  /** An HTTPS upstream on Vert.x with {@code cert}. */
  private static final class HttpsUpstream implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final HttpServer server;

    HttpsUpstream(TestCa.Issued cert) throws Exception {
      server =
          vertx
              .createHttpServer(
                  new HttpServerOptions()
                      .setSsl(true)
                      .setKeyCertOptions(
                          new PemKeyCertOptions()
                              .setCertPath(cert.certificate().toString())
                              .setKeyPath(cert.key().toString())))
              .requestHandler(
                  req ->
                      req.response()
                          .putHeader("X-Seen-Host", String.valueOf(req.headers().get("Host")))
                          .end("secure upstream"))
              .listen(0, "127.0.0.1")
              .await(10, TimeUnit.SECONDS);
    }

    String url() {
      return "https://127.0.0.1:" + server.actualPort();
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

  private TlsFixture plainInFrontOf(String upstream, UpstreamTls trust) throws IOException {
    return new TlsFixture(policy(), START, new Protocols(null, false, trust), null, upstream);
  }

  @Test
  void httpsUpstream_isVerifiedAgainstTheGivenCa() throws Exception {
    TestCa upstreamCa = new TestCa(pki, "upstream");
    try (HttpsUpstream up = new HttpsUpstream(upstreamCa.issue("api"))) {
      f = plainInFrontOf(up.url(), UpstreamTls.trusting(upstreamCa.certificate));

      HttpResponse<String> r = f.get("/secure");

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("secure upstream");
      assertThat(r.headers().firstValue("X-Seen-Host"))
          .hasValue("127.0.0.1:" + up.server.actualPort());
    }
  }

  @Test
  void httpsUpstream_ofAnUntrustedCa_is502() throws Exception {
    TestCa stranger = new TestCa(pki, "stranger");
    try (HttpsUpstream up = new HttpsUpstream(stranger.issue("api-of-stranger"))) {
      f = plainInFrontOf(up.url(), UpstreamTls.trusting(ca.certificate));

      HttpResponse<String> r = f.get("/secure");

      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(r.body()).contains("UPSTREAM_UNAVAILABLE");
    }
  }

  @Test
  void httpsUpstream_whoseCertificateNamesAnotherHost_is502() throws Exception {
    TestCa upstreamCa = new TestCa(pki, "upstream-misnamed");
    try (HttpsUpstream up =
        new HttpsUpstream(upstreamCa.issue("elsewhere", "dns:elsewhere.example"))) {
      f = plainInFrontOf(up.url(), UpstreamTls.trusting(upstreamCa.certificate));

      assertThat(f.get("/secure").statusCode()).isEqualTo(502);
    }
  }
}
