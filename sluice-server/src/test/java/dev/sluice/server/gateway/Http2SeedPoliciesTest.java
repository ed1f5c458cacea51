package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.TestCa;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both seed policies through HTTP/2 over TLS (the JDK's client, trusting a CA the test makes):
 * every row of examples/ipto.yaml and the Convotic key limit, with the exact headers and 429 bodies
 * the HTTP/1.1 tests ({@link ProxyIptoTest}, {@link ProxyConvoticTest}) pin. Each stream is decided
 * on its own, on one connection.
 */
class Http2SeedPoliciesTest {
  @TempDir static Path pki;
  static TestCa ca;
  static TestCa.Issued cert;

  TlsFixture f;

  @BeforeAll
  static void makeCa() throws Exception {
    ca = new TestCa(pki, "seed");
    cert = ca.issue("gateway");
  }

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  private TlsFixture over(String example, Instant start) {
    return new TlsFixture(
        TlsFixture.example(example),
        start,
        new Protocols(ServerTls.load(cert.certificate(), cert.key()), false, null),
        ca,
        null);
  }

  private HttpResponse<String> send(ProxyIptoTest.Row row, String who) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(f.proxy(row.path()))
            .method(row.method(), HttpRequest.BodyPublishers.ofString(row.body(who)))
            .header("Content-Type", "application/json");
    if (row.per() == ProxyIptoTest.Per.USER) {
      b.header("Authorization", "Bearer token-" + who);
    }
    HttpResponse<String> r = f.send(b);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    return r;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sluice.server.gateway.ProxyIptoTest#rows")
  void ipto_endpointLimit_overHttp2_admitsExactlyNThen429AsTheSeedSays(ProxyIptoTest.Row row) {
    f = over("ipto.yaml", ProxyIptoTest.START);
    String reset = Long.toString(row.resetAt().getEpochSecond());
    for (int i = 1; i <= row.limit(); i++) {
      HttpResponse<String> r = send(row, "alice");
      assertThat(r.statusCode()).as("request %d of %d", i, row.limit()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"upstream\": true}");
      assertThat(GatewayFixture.rateHeaders(r))
          .isEqualTo(
              Map.of(
                  "X-RateLimit-Limit", Integer.toString(row.limit()),
                  "X-RateLimit-Remaining", Integer.toString(row.limit() - i),
                  "X-RateLimit-Reset", reset));
    }

    HttpResponse<String> denied = send(row, "alice");

    String retryAfter = Long.toString(row.retryAfter());
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(GatewayFixture.rateHeaders(denied))
        .isEqualTo(
            Map.of(
                "X-RateLimit-Limit",
                Integer.toString(row.limit()),
                "X-RateLimit-Remaining",
                "0",
                "X-RateLimit-Reset",
                reset,
                "Retry-After",
                retryAfter));
    assertThat(denied.body())
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": " + retryAfter + "}");
    assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(denied.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(denied.headers().map().keySet())
        .as("no connection-specific header in an HTTP/2 answer (RFC 9113 section 8.2.2)")
        .doesNotContain("connection", "keep-alive", "transfer-encoding");
    assertThat(f.upstream.received).hasSize(row.limit());
    assertThat(send(row, "bob").statusCode()).isEqualTo(200);
  }

  @Test
  void convotic_apiKey_overHttp2_gets1000PerMinuteThenTheSeedsDenial() {
    f = over("convotic.yaml", ProxyConvoticTest.START);
    for (int i = 1; i <= 1000; i++) {
      HttpResponse<String> r = f.get("/v1/blocks", "X-API-Key", "key-1");
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(GatewayFixture.rateHeaders(r))
          .as("request %d", i)
          .isEqualTo(
              Map.of(
                  "X-RateLimit-Limit",
                  "1000",
                  "X-RateLimit-Remaining",
                  Integer.toString(1000 - i)));
    }

    HttpResponse<String> denied = f.get("/v1/blocks", "X-API-Key", "key-1");

    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(GatewayFixture.rateHeaders(denied))
        .isEqualTo(
            Map.of("X-RateLimit-Limit", "1000", "X-RateLimit-Remaining", "0", "Retry-After", "12"));
    assertThat(denied.body())
        .isEqualTo(
            "{\"error\": {\"code\": \"RATE_LIMITED\","
                + " \"message\": \"Rate limit exceeded. Retry after 12 seconds.\"}}");
    assertThat(f.upstream.received).hasSize(1000);
    assertThat(f.get("/v1/blocks", "X-API-Key", "key-2").statusCode()).isEqualTo(200);
    f.ticker.set(ProxyConvoticTest.NEXT_MINUTE);
    assertThat(f.get("/v1/blocks", "X-API-Key", "key-1").statusCode()).isEqualTo(200);
  }
}
