package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * examples/convotic.yaml over HTTP: 1,000 per minute per X-API-Key (else per client IP), no reset
 * header, and the error-code 429 whose seconds equal Retry-After.
 */
class ProxyConvoticTest {
  /** 12 s before the minute ends: the seed's own "Retry after 12 seconds". */
  static final Instant START = Instant.parse("2025-03-03T09:00:48Z");

  static final Instant NEXT_MINUTE = Instant.parse("2025-03-03T09:01:00Z");

  final GatewayFixture f = GatewayFixture.example("convotic.yaml", START);

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void apiKey_gets1000PerMinuteThenTheSeedsDenial() {
    for (int i = 1; i <= 1000; i++) {
      HttpResponse<String> r = f.get("/v1/blocks", "X-API-Key", "key-1");
      assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
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
    assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(f.upstream.received).hasSize(1000);

    assertThat(f.get("/v1/blocks", "X-API-Key", "key-2").statusCode())
        .as("another key has its own 1,000")
        .isEqualTo(200);
    f.ticker.set(NEXT_MINUTE);
    assertThat(f.get("/v1/blocks", "X-API-Key", "key-1").statusCode()).isEqualTo(200);
  }

  @Test
  void requestsWithoutKey_areCountedPerClientIp() {
    HttpResponse<String> r = f.get("/v1/info");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue("999");
    assertThat(f.get("/v1/info").headers().firstValue("X-RateLimit-Remaining")).hasValue("998");
    assertThat(f.get("/v1/info", "X-API-Key", "k").headers().firstValue("X-RateLimit-Remaining"))
        .hasValue("999");
  }
}
