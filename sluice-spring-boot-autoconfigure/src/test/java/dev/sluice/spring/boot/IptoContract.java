package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.ManualTicker;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * examples/ipto.yaml enforced in a Spring app, over real HTTP: the answers the gateway gives, the
 * same on Tomcat ({@link ServletIptoTest}) and on Netty ({@link ReactiveIptoTest}). Each test
 * counts identities of its own; the clock is the app's, moved by the tests, so expected resets are
 * worked out from it.
 */
abstract class IptoContract {
  @Value("${local.server.port}")
  int port;

  @Autowired ManualTicker clock;

  Http http;
  String who;

  @BeforeEach
  void setUp() {
    http = new Http(port);
    who = UUID.randomUUID().toString();
  }

  /** The end of the fixed window of {@code seconds} the clock is in, epoch seconds. */
  long windowEnd(long seconds) {
    long now = clock.instant().getEpochSecond();
    return (now / seconds + 1) * seconds;
  }

  long secondsTo(long epochSecond) {
    long nowMicros = clock.epochMicros();
    return (epochSecond * 1_000_000 - nowMicros + 999_999) / 1_000_000;
  }

  @Test
  void anAllowedAnswer_isTheAppsWithThePolicysHeaders() {
    HttpResponse<String> r = http.get("/assets", "Authorization", "Bearer " + who);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"assets\":[]}");
    assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue("100");
    assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue("99");
    assertThat(r.headers().firstValue("X-RateLimit-Reset")).hasValue(Long.toString(windowEnd(60)));
  }

  @Test
  void theAppsOwnErrors_carryTheHeadersToo_andTheErrorPageIsNotChargedAgain() {
    HttpResponse<String> r = http.get("/no-such-endpoint", "Authorization", "Bearer " + who);

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue("100");
    assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue("99");
    // On Tomcat the 404 is rendered by an ERROR dispatch to /error: one request, one charge
    HttpResponse<String> next = http.get("/assets", "Authorization", "Bearer " + who);
    assertThat(next.headers().firstValue("X-RateLimit-Remaining")).hasValue("98");
  }

  @Test
  void assetListing_admits100AMinuteThenAnswersTheExact429() {
    for (int i = 1; i <= 100; i++) {
      HttpResponse<String> r = http.get("/assets", "Authorization", "Bearer " + who);
      assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(r.headers().firstValue("X-RateLimit-Remaining"))
          .as("request %d", i)
          .hasValue(Integer.toString(100 - i));
    }

    HttpResponse<String> denied = http.get("/assets", "Authorization", "Bearer " + who);

    long retryAfter = secondsTo(windowEnd(60));
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body())
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": " + retryAfter + "}");
    assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(denied.headers().firstValue("Retry-After")).hasValue(Long.toString(retryAfter));
    assertThat(denied.headers().firstValue("X-RateLimit-Limit")).hasValue("100");
    assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    assertThat(denied.headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  @Test
  void aNewMinute_admitsAgain() {
    for (int i = 0; i < 100; i++) {
      http.get("/assets", "Authorization", "Bearer " + who);
    }
    assertThat(http.get("/assets", "Authorization", "Bearer " + who).statusCode()).isEqualTo(429);

    clock.advance(Duration.ofSeconds(secondsTo(windowEnd(60))));

    HttpResponse<String> r = http.get("/assets", "Authorization", "Bearer " + who);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue("99");
  }

  @Test
  void magicLink_countsPerMailboxHoweverSpelt_andTheAppStillReadsTheBody() {
    String[] spellings = {
      who + "@example.com", who.toUpperCase() + "@Example.COM", who + "+x@example.com"
    };
    for (String email : spellings) {
      HttpResponse<String> r = http.post("/auth/magic-link", "{\"email\": \"" + email + "\"}");
      assertThat(r.statusCode()).as(email).isEqualTo(200);
      assertThat(r.body()).as("the app got the body").isEqualTo("{\"sent_to\":\"" + email + "\"}");
      assertThat(r.headers().firstValue("X-RateLimit-Limit")).isPresent();
    }

    HttpResponse<String> denied =
        http.post("/auth/magic-link", "{\"email\": \"" + who + "@example.com\"}");

    long retryAfter = secondsTo(windowEnd(3600));
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body())
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": " + retryAfter + "}");
    assertThat(denied.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
    assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    assertThat(
            http.post("/auth/magic-link", "{\"email\": \"other-" + who + "@example.com\"}")
                .statusCode())
        .as("another mailbox")
        .isEqualTo(200);
  }

  @Test
  void tokenVerification_isALifetimeBudgetThatAnHourDoesNotRefill() {
    String body = "{\"token\": \"magic-" + who + "\"}";
    for (int i = 1; i <= 5; i++) {
      assertThat(http.post("/auth/verify", body).statusCode()).as("try %d", i).isEqualTo(200);
    }
    assertThat(http.post("/auth/verify", body).statusCode()).isEqualTo(429);

    clock.advance(Duration.ofHours(2));

    assertThat(http.post("/auth/verify", body).statusCode()).isEqualTo(429);
  }

  @Test
  void aBodyWithoutTheKeysField_isThe400TheGatewayAnswers() {
    HttpResponse<String> r = http.post("/auth/magic-link", "{\"name\": \"x\"}");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).startsWith("{\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":\"");
  }

  @Test
  void aBodyThatIsNotJson_isA400Too() {
    HttpResponse<String> r = http.post("/auth/magic-link", "email=a@example.com");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith("{\"error\":{\"code\":\"INVALID_REQUEST\"");
  }

  @Test
  void aBodyLargerThanIsRead_is413() {
    String big =
        "{\"email\": \"" + who + "@example.com\", \"pad\": \"" + "x".repeat(70_000) + "\"}";

    HttpResponse<String> r = http.post("/auth/magic-link", big);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).startsWith("{\"error\":{\"code\":\"BODY_TOO_LARGE\"");
  }

  @Test
  void aChunkedBodyLargerThanIsRead_is413Too() {
    String big =
        "{\"email\": \"" + who + "@example.com\", \"pad\": \"" + "x".repeat(70_000) + "\"}";

    HttpResponse<String> r = http.postChunked("/auth/magic-link", big);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).startsWith("{\"error\":{\"code\":\"BODY_TOO_LARGE\"");
  }

  @Test
  void aChunkedBody_isReadForItsKeyAndHandedOnWhole() {
    String body = "{\"email\": \"chunked-" + who + "@example.com\"}";

    HttpResponse<String> r = http.postChunked("/auth/magic-link", body);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"sent_to\":\"chunked-" + who + "@example.com\"}");
    assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
  }

  @Test
  void aPathSpeltInCapitals_isTheSameEndpoint() {
    String body = "{\"email\": \"caps-" + who + "@example.com\"}";
    for (int i = 0; i < 3; i++) {
      http.post("/auth/magic-link", body);
    }

    assertThat(http.post("/AUTH/MAGIC-LINK", body).statusCode()).isEqualTo(429);
  }
}
