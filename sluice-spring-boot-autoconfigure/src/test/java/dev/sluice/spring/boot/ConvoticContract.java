package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.ManualTicker;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * examples/convotic.yaml in a Spring app: 1,000 a minute per X-API-Key, X-RateLimit-Limit and
 * -Remaining without a reset header, and a 429 whose Retry-After equals the seconds its error-code
 * body states.
 */
abstract class ConvoticContract {
  @Value("${local.server.port}")
  int port;

  @Autowired ManualTicker clock;

  @Test
  void anApiKey_gets1000AMinuteThenTheErrorCodeDenial() {
    Http http = new Http(port);
    String key = UUID.randomUUID().toString();
    for (int i = 1; i <= 1000; i++) {
      HttpResponse<String> r = http.get("/v1/blocks/" + i, "X-API-Key", key);
      assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue("1000");
      assertThat(r.headers().firstValue("X-RateLimit-Remaining"))
          .hasValue(Integer.toString(1000 - i));
      assertThat(r.headers().firstValue("X-RateLimit-Reset")).isEmpty();
    }

    HttpResponse<String> denied = http.get("/v1/blocks/1", "X-API-Key", key);

    long now = clock.epochMicros();
    long retryAfter = ((now / 60_000_000 + 1) * 60_000_000 - now + 999_999) / 1_000_000;
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body())
        .isEqualTo(
            "{\"error\": {\"code\": \"RATE_LIMITED\", \"message\": \"Rate limit exceeded. Retry"
                + " after "
                + retryAfter
                + " seconds.\"}}");
    assertThat(denied.headers().firstValue("Retry-After")).hasValue(Long.toString(retryAfter));
    assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
  }
}
