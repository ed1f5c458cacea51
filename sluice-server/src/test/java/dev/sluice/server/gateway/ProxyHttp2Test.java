package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 with prior knowledge in clear text ({@code --h2c}), spoken frame by frame ({@link RawH2}):
 * requests served as on HTTP/1.1 (which the same port still speaks), the limits the server
 * announces and enforces, and the abuses (rapid reset, protocol errors) answered with GOAWAY,
 * counted, and never in the way of other clients.
 */
class ProxyHttp2Test {
  static final Instant START = Instant.parse("2025-03-03T09:00:15Z");

  @TempDir Path dir;
  TlsFixture f;

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  private TlsFixture h2c(String yaml) throws IOException {
    Path p = dir.resolve("policy.yaml");
    Files.writeString(p, yaml);
    return new TlsFixture(p, START, new Protocols(null, true, null), null, null);
  }

  /** The status, rate-limit headers and body of the answer on {@code stream}. */
  private static String answer(RawH2 h2, int stream) throws IOException {
    RawH2.Frame head = h2.readUntil(RawH2.HEADERS);
    assertThat(head).isNotNull();
    assertThat(head.stream()).isEqualTo(stream);
    Http2Headers h = h2.decode(head);
    StringBuilder body = new StringBuilder();
    boolean ended = (head.flags() & RawH2.END_STREAM) != 0;
    while (!ended) {
      RawH2.Frame data = h2.readUntil(RawH2.DATA);
      body.append(new String(data.payload(), StandardCharsets.UTF_8));
      ended = (data.flags() & RawH2.END_STREAM) != 0;
    }
    return h.status()
        + " limit="
        + h.get("x-ratelimit-limit")
        + " remaining="
        + h.get("x-ratelimit-remaining")
        + " connection="
        + h.get("connection")
        + " "
        + body;
  }

  @Test
  void priorKnowledge_isServedWithTheRateLimitHeaders_andHttp11StillIs() throws IOException {
    f = h2c("global: {key: ip, limits: 2/minute}\n");

    try (RawH2 h2 = new RawH2(f.gateway.port())) {
      h2.headers(1, "GET", "/one", true).flush();
      assertThat(answer(h2, 1))
          .isEqualTo("200 limit=2 remaining=1 connection=null {\"upstream\": true}");
      h2.headers(3, "GET", "/two", true).flush();
      assertThat(answer(h2, 3))
          .isEqualTo("200 limit=2 remaining=0 connection=null {\"upstream\": true}");
      h2.headers(5, "GET", "/three", true).flush();
      assertThat(answer(h2, 5)).startsWith("429 limit=2 remaining=0 connection=null {");
    }
    HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> r = GatewayFixture.send(h1, HttpRequest.newBuilder(f.proxy("/four")));
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.statusCode()).as("the same client, counted across protocols").isEqualTo(429);
    assertThat(f.upstream.received).hasSize(2);
    assertThat(f.upstream.received.get(0).headers().get("X-Forwarded-Proto")).isEqualTo("http");
  }

  @Test
  void settings_announceTheStreamAndHeaderLimits_andStreamsBeyondAreRefused() throws IOException {
    f = h2c("global: {key: ip, limits: 1/minute}\n");

    try (RawH2 h2 = new RawH2(f.gateway.port())) {
      RawH2.Frame settings = h2.readUntil(RawH2.SETTINGS);
      ByteBuffer b = ByteBuffer.wrap(settings.payload());
      java.util.Map<Integer, Long> values = new java.util.HashMap<>();
      while (b.remaining() >= 6) {
        values.put((int) b.getShort(), Integer.toUnsignedLong(b.getInt()));
      }
      assertThat(values).containsEntry(0x3, 100L).containsEntry(0x6, 16384L);

      // 100 streams left open (their bodies never sent), then one more.
      for (int i = 0; i < 101; i++) {
        h2.headers(1 + 2 * i, "POST", "/open/" + i, false);
      }
      h2.flush();
      RawH2.Frame refused = h2.readUntil(RawH2.RST_STREAM);
      assertThat(refused.stream()).isEqualTo(201);
      assertThat(refused.errorCode()).as("REFUSED_STREAM").isEqualTo(0x7);
    }
  }

  @Test
  void rapidReset_endsTheConnectionWithGoaway_isCounted_andOthersAreServed() throws IOException {
    f = h2c("global: {key: ip, limits: 100000/minute}\n");

    try (RawH2 h2 = new RawH2(f.gateway.port())) {
      for (int i = 0; i < 2 * Http2Setup.MAX_RESETS_PER_WINDOW; i++) {
        int stream = 1 + 2 * i;
        h2.headers(stream, "GET", "/burst", false).reset(stream);
        if (i % 50 == 49) {
          h2.flush();
        }
      }
      h2.flush();
      RawH2.Frame goaway = h2.readUntil(RawH2.GOAWAY);
      assertThat(goaway).as("GOAWAY before the connection ends").isNotNull();
      assertThat(goaway.errorCode()).as("ENHANCE_YOUR_CALM").isEqualTo(0xb);
      assertThat(h2.readUntil(RawH2.GOAWAY)).as("then the connection closes").isNull();
    } catch (java.net.SocketException reset) {
      // the gateway closed while the rest of the burst was being written: closed, as it should be
    }

    assertThat(f.metrics()).contains("sluice_http2_errors_total{code=\"rapid_reset\"} 1.0");
    try (RawH2 other = new RawH2(f.gateway.port())) {
      other.headers(1, "GET", "/after", true).flush();
      assertThat(answer(other, 1)).startsWith("200 ");
    }
  }

  @Test
  void protocolError_endsTheConnectionWithGoaway_andIsCounted() throws IOException {
    f = h2c("global: {key: ip, limits: 10/minute}\n");

    try (RawH2 h2 = new RawH2(f.gateway.port())) {
      h2.headers(2, "GET", "/even-stream", true).flush(); // a client's streams are odd
      RawH2.Frame goaway = h2.readUntil(RawH2.GOAWAY);
      assertThat(goaway.errorCode()).as("PROTOCOL_ERROR").isEqualTo(0x1);
    }

    assertThat(f.metrics()).contains("sluice_http2_errors_total{code=\"protocol_error\"} 1.0");
    assertThat(f.upstream.received).isEmpty();
  }

  @Test
  void connectionSpecificHeader_inARequest_isRefused_andNeverForwarded() throws IOException {
    f = h2c("global: {key: ip, limits: 10/minute}\n");

    try (RawH2 h2 = new RawH2(f.gateway.port())) {
      h2.headers(1, "GET", "/conn", true, "connection", "keep-alive").flush();
      RawH2.Frame end = h2.read();
      while (end != null && end.type() != RawH2.RST_STREAM && end.type() != RawH2.GOAWAY) {
        end = h2.read();
      }
      assertThat(end).as("the stream (or connection) is ended as malformed").isNotNull();
    }
    assertThat(f.upstream.received).isEmpty();
  }

  @Test
  void curlWithPriorKnowledge_isServed() throws IOException {
    Assumptions.assumeTrue(Curl.available(), "curl is not installed: the curl check is skipped");
    f = h2c("global: {key: ip, limits: 10/minute}\n");

    String out =
        Curl.run(
            "-sS",
            "--http2-prior-knowledge",
            "-D",
            "-",
            "http://127.0.0.1:" + f.gateway.port() + "/curl");

    assertThat(out)
        .startsWith("HTTP/2 200")
        .contains("x-ratelimit-remaining: 9")
        .endsWith("{\"upstream\": true}");
  }
}
