package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.ManualTicker;
import io.vertx.core.Future;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

  @TempDir
  Path dir;
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
    try (Socket s = connect(f.gateway.port())) {
      s.getOutputStream().write(("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
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
    assertThat(f.upstream.received).extracting(TestUpstream.Received::uri)
        .containsExactly("/a", "/b", "/c");
    assertThat(f.upstream.received.get(1).body().toString()).isEqualTo("hello");
  }

  @Test
  void http10Request_isAnswered_andTheConnectionClosed() throws IOException {
    f = GatewayFixture.policy(dir, POLICY, START);
    try (Socket s = connect(f.gateway.port())) {
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
    try (Socket s = connect(f.gateway.port())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
          + "Expect: 100-continue\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = new BufferedInputStream(s.getInputStream());
      assertThat(line(in)).isEqualTo("HTTP/1.1 100 Continue");
      assertThat(line(in)).isEmpty();
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
    try (Socket s = connect(f.gateway.port())) {
      s.getOutputStream().write(("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n"
          + "GET /y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = new BufferedInputStream(s.getInputStream());
      assertThat(line(in)).isEqualTo("HTTP/1.1 200 OK");
      String header;
      boolean limitHeader = false;
      while (!(header = line(in)).isEmpty()) {
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
    f.upstream.behave(req -> req.response().writeContinue()
        .onComplete(v -> req.response().putHeader("Content-Type", "text/plain").end("final")));

    RawHttp.Response r = RawHttp.exchange(f.gateway.port(),
        "GET /early HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo("final");
    assertThat(r.header("X-RateLimit-Remaining")).isEqualTo("99");
  }

  @Test
  void answerDelimitedByTheUpstreamClosing_reachesAnHttp11ClientChunkedAndWhole() throws Exception {
    try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
        try (Socket c = upstream.accept()) {
          InputStream in = new BufferedInputStream(c.getInputStream());
          while (!line(in).isEmpty()) {
            // the request's head; it has no body
          }
          c.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
              + "Connection: close\r\n\r\nuntil the upstream closes")
              .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      try (Gateway gateway = gateway("http://127.0.0.1:" + upstream.getLocalPort())) {
        try (Socket s = connect(gateway.port())) {
          s.getOutputStream().write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
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
        Gateway gateway = gateway("http://localhost:" + upstream.port())) {
      RawHttp.Response r = RawHttp.exchange(gateway.port(),
          "GET /by-name HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("{\"upstream\": true}");
      assertThat(upstream.received.get(0).headers().get("Host")).isEqualTo("localhost:" + upstream.port());
    }
  }

  /** A gateway on one event loop in front of {@code upstreamUrl}, enforcing {@link #POLICY}. */
  private Gateway gateway(String upstreamUrl) throws IOException {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    InMemoryStore store = InMemoryStore.builder().ticker(new ManualTicker(START))
        .executor(Runnable::run).build();
    Gateway.Options options = new Gateway.Options("127.0.0.1", 0, "127.0.0.1", 0,
        Upstream.parse(upstreamUrl, Duration.ofSeconds(10)), 64 * 1024, 1, Duration.ofSeconds(1));
    return Gateway.start(new Engines(policy, store, null), options,
        () -> Future.succeededFuture("memory"));
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(30_000);
    return s;
  }

  /** One CRLF-terminated line, without the CRLF. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }
}
