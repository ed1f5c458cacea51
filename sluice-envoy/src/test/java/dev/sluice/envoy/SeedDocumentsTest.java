package dev.sluice.envoy;

import static dev.sluice.envoy.Rls.descriptor;
import static dev.sluice.envoy.Rls.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The IPTO and Convotic policies as descriptors (examples/envoy): Envoy gets the seeds' headers and
 * 429 bodies, byte for byte, through response_headers_to_add and raw_body.
 */
class SeedDocumentsTest {
  private static final Path EXAMPLES = Path.of("..", "examples", "envoy");

  private static String file(String name) throws Exception {
    return Files.readString(EXAMPLES.resolve(name));
  }

  private static Map<String, String> headers(RateLimitResponse r) {
    Map<String, String> out = new LinkedHashMap<>();
    for (HeaderValue h : r.getResponseHeadersToAddList()) {
      out.put(h.getKey(), h.getValue());
    }
    return out;
  }

  @Test
  void iptoSearchGivesFiftyAMinuteThenTheDetailBodyAndXRateLimitHeaders() throws Exception {
    try (Rls rls = new Rls(file("ipto.yaml"))) {
      RateLimitRequest search =
          request(
              "ipto",
              descriptor("client", "Bearer tok-1"),
              descriptor("route", "search", "client", "Bearer tok-1"));
      long reset = rls.clock.epochMicros() / 1_000_000 + 60;
      for (int i = 1; i <= 50; i++) {
        RateLimitResponse r = rls.call(search);
        assertThat(r.getOverallCode()).as("call %d", i).isEqualTo(Code.OK);
        if (i == 1) {
          assertThat(headers(r))
              .containsExactly(
                  Map.entry("X-RateLimit-Limit", "50"),
                  Map.entry("X-RateLimit-Remaining", "49"),
                  Map.entry("X-RateLimit-Reset", Long.toString(reset)));
          assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(99);
          assertThat(r.getRawBody().isEmpty()).isTrue();
        }
      }
      RateLimitResponse denied = rls.call(search);
      assertThat(denied.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(denied.getStatuses(0).getCode()).isEqualTo(Code.OK);
      assertThat(denied.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(denied.getRawBody().toStringUtf8())
          .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": 60}");
      assertThat(headers(denied))
          .containsExactly(
              Map.entry("X-RateLimit-Limit", "50"),
              Map.entry("X-RateLimit-Remaining", "0"),
              Map.entry("X-RateLimit-Reset", Long.toString(reset)),
              Map.entry("Retry-After", "60"),
              Map.entry("Content-Type", "application/json"));
      // the global 100/minute was charged by the 50 admitted calls only
      RateLimitResponse elsewhere = rls.call(request("ipto", descriptor("client", "Bearer tok-1")));
      assertThat(elsewhere.getStatuses(0).getLimitRemaining()).isEqualTo(49);
    }
  }

  @Test
  void convoticGivesAThousandAMinutePerApiKeyThenTheErrorCodeBody() throws Exception {
    try (Rls rls = new Rls(file("convotic.yaml"))) {
      RateLimitRequest call = request("convotic", descriptor("api_key", "ck_live_1"));
      rls.clock.advance(java.time.Duration.ofSeconds(48));
      for (int i = 1; i <= 1000; i++) {
        assertThat(rls.call(call).getOverallCode()).isEqualTo(Code.OK);
      }
      RateLimitResponse denied = rls.call(call);
      assertThat(denied.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(denied.getRawBody().toStringUtf8())
          .isEqualTo(
              "{\"error\": {\"code\": \"RATE_LIMITED\", \"message\": \"Rate limit exceeded. Retry"
                  + " after 12 seconds.\"}}");
      assertThat(headers(denied))
          .containsExactly(
              Map.entry("X-RateLimit-Limit", "1000"),
              Map.entry("X-RateLimit-Remaining", "0"),
              Map.entry("Retry-After", "12"),
              Map.entry("Content-Type", "application/json"));
      assertThat(denied.getStatuses(0).getDurationUntilReset().getSeconds()).isEqualTo(12);
    }
  }

  @Test
  void envoyproxyRatelimitHeadersWhenAskedNameTheDescriptorWithLeastRemaining() throws Exception {
    try (Rls rls = new Rls(file("ipto.yaml"), true, null)) {
      RateLimitResponse r =
          rls.call(
              request(
                  "ipto",
                  descriptor("client", "Bearer tok-2"),
                  descriptor("route", "withdrawals", "client", "Bearer tok-2")));
      assertThat(headers(r))
          .containsExactly(
              Map.entry("RateLimit-Limit", "5"),
              Map.entry("RateLimit-Remaining", "4"),
              Map.entry("RateLimit-Reset", "3600"));
    }
  }

  @Test
  void theExampleDirectoryLoadsAsTwoDomains() {
    assertThat(RatelimitConfig.recognises(EXAMPLES)).isTrue();
    assertThat(RatelimitConfig.load(EXAMPLES).domains()).containsExactly("convotic", "ipto");
  }
}
