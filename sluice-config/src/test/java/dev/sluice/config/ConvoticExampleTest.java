package dev.sluice.config;

import static dev.sluice.config.Examples.header;
import static dev.sluice.config.Examples.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Decision;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.Request;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.Policy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * examples/convotic.yaml enforces the Convotic "Rate Limits" page exactly: 1,000 requests per
 * minute per X-API-Key (else per client IP), X-RateLimit-Limit and -Remaining without a reset
 * header, and a 429 whose Retry-After equals the seconds in its error-code body.
 */
class ConvoticExampleTest {
  private static final Policy POLICY = Examples.load("convotic.yaml");

  /** 12 s before the minute ends: the page's own "Retry after 12 seconds". */
  private static final Instant START = Instant.parse("2025-03-03T09:00:48Z");

  private final ManualTicker ticker = new ManualTicker(START);
  private final Sluice sluice = Examples.engine(POLICY, ticker);

  private static Request withKey(String key, String ip) {
    return Request.builder("GET", "/v1/blocks").header("X-API-Key", key).clientAddress(ip).build();
  }

  private static Request anonymous(String ip) {
    return Request.builder("GET", "/v1/info").clientAddress(ip).build();
  }

  @Test
  void apiKey_gets1000PerMinuteThenTheSeedsDenial() {
    for (int i = 1; i <= 1000; i++) {
      Decision d = sluice.decide(withKey("key-1", "203.0.113.7"));
      assertThat(d.allowed()).as("request %d", i).isTrue();
      assertThat(sluice.headers(d))
          .as("request %d", i)
          .isEqualTo(
              headers(
                  "X-RateLimit-Limit",
                  "1000",
                  "X-RateLimit-Remaining",
                  Integer.toString(1000 - i)));
    }

    Decision denied = sluice.decide(withKey("key-1", "203.0.113.7"));

    assertThat(denied.outcome()).isEqualTo(Decision.Outcome.DENIED);
    assertThat(sluice.headers(denied))
        .isEqualTo(
            headers(
                "X-RateLimit-Limit", "1000", "X-RateLimit-Remaining", "0", "Retry-After", "12"));
    assertThat(sluice.denialBody(denied))
        .isEqualTo(
            "{\"error\": {\"code\": \"RATE_LIMITED\","
                + " \"message\": \"Rate limit exceeded. Retry after 12 seconds.\"}}");
    assertThat(sluice.denialContentType()).isEqualTo("application/json");
  }

  @Test
  void retryAfter_equalsTheBodysSecondsAtAnyMoment() {
    for (int i = 0; i < 1000; i++) {
      sluice.decide(withKey("key-1", "203.0.113.7"));
    }
    ticker.advance(Duration.ofSeconds(10).plusMillis(500));

    Decision denied = sluice.decide(withKey("key-1", "203.0.113.7"));

    assertThat(header(sluice, denied, "Retry-After")).isEqualTo("2");
    assertThat(sluice.denialBody(denied))
        .isEqualTo(
            "{\"error\": {\"code\": \"RATE_LIMITED\","
                + " \"message\": \"Rate limit exceeded. Retry after 2 seconds.\"}}");
  }

  @Test
  void limit_isPerApiKeyWhateverTheAddress() {
    for (int i = 0; i < 1000; i++) {
      sluice.decide(withKey("key-1", "203.0.113.7"));
    }

    assertThat(sluice.decide(withKey("key-1", "192.0.2.99")).allowed())
        .as("the same key from another address")
        .isFalse();
    assertThat(sluice.decide(withKey("key-2", "203.0.113.7")).allowed())
        .as("another key from the same address")
        .isTrue();
    assertThat(sluice.decide(anonymous("203.0.113.7")).allowed())
        .as("no key: counted by address, apart from key-1")
        .isTrue();
  }

  @Test
  void requestsWithoutKey_fallBackToTheClientIp() {
    for (int i = 0; i < 1000; i++) {
      assertThat(sluice.decide(anonymous("198.51.100.1")).allowed()).isTrue();
    }

    assertThat(sluice.decide(anonymous("198.51.100.1")).allowed()).isFalse();
    assertThat(sluice.decide(anonymous("198.51.100.2")).allowed()).isTrue();
    assertThat(sluice.decide(withKey("key-1", "198.51.100.1")).allowed()).isTrue();
  }

  @Test
  void limit_refillsWhenTheMinuteTurns() {
    for (int i = 0; i <= 1000; i++) {
      sluice.decide(withKey("key-1", "203.0.113.7"));
    }

    ticker.advance(Duration.ofSeconds(12));
    Decision d = sluice.decide(withKey("key-1", "203.0.113.7"));

    assertThat(d.allowed()).isTrue();
    assertThat(sluice.headers(d))
        .isEqualTo(headers("X-RateLimit-Limit", "1000", "X-RateLimit-Remaining", "999"));
  }

  @Test
  void everyRoute_isCovered() {
    Decision post =
        sluice.decide(
            Request.builder("POST", "/v1/anything/at/all").header("x-api-key", "key-1").build());

    assertThat(post.outcome()).isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(header(sluice, post, "X-RateLimit-Remaining")).isEqualTo("999");
  }
}
