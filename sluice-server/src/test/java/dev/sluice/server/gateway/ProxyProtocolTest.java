package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
 * HTTP/1.1 as the proxy's own data path speaks it: pipelining, HTTP/1.0, {@code Expect:
 * 100-continue}, HEAD, informational answers and answers delimited by the upstream closing, each
 * over real sockets against a real upstream.
 */
class ProxyProtocolTest {
  static final Instant START = Instant.parse("2025-03-03T09:00:15Z");
  static final String POLICY = "key: ip\nglobal:\n  limits: 100/minute\n";

  @TempDir Path dir;
  GatewayFixture f;

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  @Test
  void pipelinedRequests_areForwardedAndAnsweredInOrder() throws IOException {
    f = GatewayFixture.policy(dir, POLICY, START);
    try (Socket s = RawHttp.connect(f.gateway.port())) {
      s.getOutputStream()
          .write(
              ("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                      + "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                      + "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = new BufferedInputStream(s.getInputStream());
      for (String remaining : new String[] {"99", "98", "97"}) {
        RawHttp.Response r = RawHttp.read(in);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("X-RateLimit-Remaining")).isEqualTo(remaining);
      }
      assertThat(in.read()).as("closed after the request that asked for it").isEqualTo(-1);
    }
    assertThat(f.upstream.received)
        .extracting(TestUpstream.Received::uri)
        .containsExactly("/a", "/b", "/c");
    assertThat(f.upstream.received.get(1).body().toString()).isEqualTo("hello");
  }

  @Test
  void http10Request_isAnswered_andTheConnectionClosed() throws IOException {
    f = GatewayFixture.policy(dir, POLICY, START);
    try (Socket s = RawHttp.connect(f.gateway.port())) {
      s.getOutputStream().write("GET /old HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = new BufferedInputStream(s.getInputStream());
      RawHttp.Response r = RawHttp.read(in);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("{\"upstream\": true}");
      assertThat(r.header("Connection")).isEqualTo("close");
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void expect100Continue_getsAContinue_thenTheBodyIsForwardedWithoutTheExpectation()
      throws IOException {
    f = GatewayFixture.policy(dir, POLICY, START);
    try (Socket s = RawHttp.connect(f.gateway.port())) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  + "Expect: 100-continue\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      InputStream in = new BufferedInputStream(s.getInputStream());
      assertThat(RawHttp.line(in)).isEqualTo("HTTP/1.1 100 Continue");
      assertThat(RawHttp.line(in)).isEmpty();
      out.write("hello".getBytes(StandardCharsets.US_ASCII));
      RawHttp.Response r = RawHttp.read(in);
      assertThat(r.status()).isEqualTo(200);
    }
    TestUpstream.Received got = f.upstream.received.get(0);
    assertThat(got.body().toString()).isEqualTo("hello");
    assertThat(got.headers().contains("Expect")).isFalse();
  }

  @Test
  void headRequest_isAnsweredWithoutABody_andTheConnectionServesOn() throws IOException {
    f = GatewayFixture.policy(dir, POLICY, START);
    try (Socket s = RawHttp.connect(f.gateway.port())) {
      s.getOutputStream()
          .write(
              ("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n"
                      + "GET /y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = new BufferedInputStream(s.getInputStream());
      assertThat(RawHttp.line(in)).isEqualTo("HTTP/1.1 200 OK");
      String header;
      boolean limitHeader = false;
      while (!(header = RawHttp.line(in)).isEmpty()) {
        limitHeader |= header.startsWith("X-RateLimit-Remaining: 99");
      }
      assertThat(limitHeader).isTrue();
      RawHttp.Response next = RawHttp.read(in); // no body bytes in between
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.header("X-RateLimit-Remaining")).isEqualTo("98");
    }
  }

  @Test
  void informationalAnswerFromTheUpstream_isNotRelayed_theFinalOneIs() {
    f = GatewayFixture.policy(dir, POLICY, START);
    f.upstream.behave(
        req ->
            req.response()
                .writeContinue()
                .onComplete(
                    v -> req.response().putHeader("Content-Type", "text/plain").end("final")));

    RawHttp.Response r =
        RawHttp.exchange(
            f.gateway.port(), "GET /early HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo("final");
    assertThat(r.header("X-RateLimit-Remaining")).isEqualTo("99");
  }

  @Test
  void answerDelimitedByTheUpstreamClosing_reachesAnHttp11ClientChunkedAndWhole() throws Exception {
    try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> served =
          CompletableFuture.runAsync(
              () -> {
                try (Socket c = upstream.accept()) {
                  InputStream in = new BufferedInputStream(c.getInputStream());
                  while (!RawHttp.line(in).isEmpty()) {
                    // the request's head; it has no body
                  }
                  c.getOutputStream()
                      .write(
                          ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                  + "Connection: close\r\n\r\nuntil the upstream closes")
                              .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      try (Gateway gateway =
          GatewayFixture.gateway(
              dir.resolve("policy.yaml"),
              POLICY,
              START,
              "http://127.0.0.1:" + upstream.getLocalPort(),
              Duration.ofSeconds(10))) {
        try (Socket s = RawHttp.connect(gateway.port())) {
          s.getOutputStream()
              .write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          RawHttp.Response r = RawHttp.read(new BufferedInputStream(s.getInputStream()));
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.header("Transfer-Encoding")).isEqualTo("chunked");
          assertThat(r.complete()).as("ends with the last chunk").isTrue();
          assertThat(r.text()).isEqualTo("until the upstream closes");
          assertThat(r.has("Connection")).as("the client's connection stays open").isFalse();
        }
      }
      served.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void upstreamNamedByHostName_isResolvedAndReached() throws IOException {
    try (TestUpstream upstream = new TestUpstream();
        Gateway gateway =
            GatewayFixture.gateway(
                dir.resolve("policy.yaml"),
                POLICY,
                START,
                "http://localhost:" + upstream.port(),
                Duration.ofSeconds(10))) {
      RawHttp.Response r =
          RawHttp.exchange(
              gateway.port(), "GET /by-name HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("{\"upstream\": true}");
      assertThat(upstream.received.get(0).headers().get("Host"))
          .isEqualTo("localhost:" + upstream.port());
    }
  }
}
