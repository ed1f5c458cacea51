package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.ManualTicker;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Overrides with the gateway's semantics through the Actuator endpoint and the {@link
 * SluiceOverrides} bean, on the app's manual clock: limits of their own in the policy file's
 * syntax, expiries relative and absolute, identities raw or as fingerprints, and bad input refused
 * with the field at fault.
 */
@SpringBootTest(
    classes = {DemoApp.class, ManualClock.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=servlet",
      "sluice.policy=classpath:policies/overrides.yaml",
      "management.endpoints.web.exposure.include=sluice"
    })
@DirtiesContext
class OverridesEndpointTest {
  @Value("${local.server.port}")
  int port;

  @Autowired ManualTicker clock;
  @Autowired SluiceOverrides overrides;
  @Autowired SluiceEngine engine;

  String limitSeen(Http http, String key) {
    return http.get("/assets", "X-Api-Key", key)
        .headers()
        .firstValue("X-RateLimit-Limit")
        .orElse("-");
  }

  @Test
  void limitsOfItsOwn_applyOnTheNextRequest_andExpireWithTheirTtl() {
    Http http = new Http(port);
    String key = UUID.randomUUID().toString();
    assertThat(limitSeen(http, key)).isEqualTo("2");

    HttpResponse<String> set =
        http.post(
            "/actuator/sluice/overrides/" + key,
            "{\"limits\": \"{assets: [5/minute, 50/hour]}\", \"ttl\": \"2h\"}");

    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(set.body())
        .contains("\"identity\":\"" + fp(key) + "\"")
        .contains("\"limits\":{\"assets\":[\"5/minute\",\"50/hour\"]}")
        .contains("\"expires\":\"" + clock.instant().plus(Duration.ofHours(2)) + "\"")
        .contains("\"active\":true")
        .doesNotContain(key);
    assertThat(limitSeen(http, key)).isEqualTo("5");

    clock.advance(Duration.ofHours(2));

    assertThat(limitSeen(http, key)).as("expired: the policy's limit again").isEqualTo("2");
    HttpResponse<String> read = http.get("/actuator/sluice/overrides/" + key);
    assertThat(read.body()).contains("\"active\":false").contains("\"problem\":\"expired\"");
  }

  @Test
  void anAbsoluteExpiry_andAFingerprintForTheIdentity() {
    Http http = new Http(port);
    String key = UUID.randomUUID().toString();

    HttpResponse<String> set =
        http.post(
            "/actuator/sluice/overrides/fp:" + fp(key),
            "{\"tier\": \"pro\", \"expires\": \""
                + clock.instant().plus(Duration.ofMinutes(30))
                + "\"}");

    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(limitSeen(http, key)).isEqualTo("20");
    assertThat(http.get("/actuator/sluice/overrides").body())
        .contains("\"identity\":\"" + fp(key) + "\"");
    assertThat(http.get("/actuator/sluice/" + key).body())
        .as("the identity's usage shows its override")
        .contains("\"override\":{\"identity\":\"" + fp(key) + "\",\"tier\":\"pro\"");

    clock.advance(Duration.ofMinutes(30));

    assertThat(limitSeen(http, key)).isEqualTo("2");
  }

  @Test
  void badOverrides_areRefusedNamingTheField_andChangeNothing() {
    Http http = new Http(port);
    String key = UUID.randomUUID().toString();
    String path = "/actuator/sluice/overrides/" + key;

    assertBad(http.post(path, "{\"limits\": \"{search: 5/minute}\"}"), "limits.search");
    assertBad(http.post(path, "{\"limits\": \"{assets: 5/fortnight}\"}"), "limits.assets[0]");
    assertBad(http.post(path, "{\"limits\": \"5/minute\"}"), "limits");
    assertBad(http.post(path, "{\"limits\": \"{assets: [5/minute\"}"), "limits");
    assertBad(
        http.post(path, "{\"tier\": \"pro\", \"expires\": \"" + clock.instant() + "\"}"),
        "expires");
    assertBad(http.post(path, "{\"tier\": \"pro\", \"ttl\": \"soon\"}"), "ttl");
    assertBad(
        http.post(
            path, "{\"tier\": \"pro\", \"ttl\": \"1h\", \"expires\": \"2030-01-01T00:00:00Z\"}"),
        "ttl");
    assertBad(http.post(path, "{}"), "tier");
    assertBad(http.post(path, "{\"tier\": 7}"), "tier");

    assertThat(http.get(path).statusCode()).isEqualTo(404);
    assertThat(http.get(path).body()).contains("NO_OVERRIDE");
    assertThat(limitSeen(http, key)).isEqualTo("2");
  }

  @Test
  void theBean_setsWhatTheEndpointShows() {
    Http http = new Http(port);
    String key = UUID.randomUUID().toString();

    overrides.put(key, Map.of("limits", Map.of("assets", List.of("9/minute"))));

    assertThat(limitSeen(http, key)).isEqualTo("9");
    assertThat(overrides.get(key)).isPresent();
    assertThat(overrides.get("fp:" + fp(key))).isEqualTo(overrides.get(key));
    assertThat(http.get("/actuator/sluice/overrides/" + key).body()).contains("9/minute");
    assertThat(overrides.remove(key)).isTrue();
    assertThat(limitSeen(http, key)).isEqualTo("2");
  }

  void assertBad(HttpResponse<String> r, String field) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body())
        .contains("\"code\":\"BAD_OVERRIDE\"")
        .contains("\"field\":\"" + field + "\"");
  }

  String fp(String key) {
    return dev.sluice.core.Sluice.fingerprintText(engine.fingerprint(key));
  }
}
