package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Actuator endpoint {@code sluice} and the store's health: the policy's summary, one identity's
 * usage, a tier set at runtime, a reload of the file (a bad one refused with its located error).
 */
@SpringBootTest(
    classes = {DemoApp.class, ManualClock.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=servlet",
      "management.endpoints.web.exposure.include=sluice,health",
      "management.endpoint.health.show-details=always"
    })
@DirtiesContext
class ActuatorEndpointTest {
  static final String POLICY =
      """
      headers: x-ratelimit
      denial: detail
      key: header:X-Api-Key
      tiers:
        pro: {scale: 10}
      rules:
        - name: assets
          route: GET /assets
          limits: %d/hour
      """;

  static Path policyFile;

  @DynamicPropertySource
  static void policy(DynamicPropertyRegistry registry) {
    try {
      policyFile = Files.createTempFile("sluice-policy", ".yaml");
      Files.writeString(policyFile, POLICY.formatted(2));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    registry.add("sluice.policy", () -> policyFile.toUri().toString());
  }

  @Value("${local.server.port}")
  int port;

  @Test
  void theEndpoint_summarisesThePolicyAsSluiceCheckDoes() {
    HttpResponse<String> r = new Http(port).get("/actuator/sluice");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("\"rules\":[\"assets\"]")
        .contains("\"shadow\":false")
        .contains("\"store\":\"memory\"")
        .contains("assets: GET /assets");
  }

  @Test
  void oneIdentitysUsage_isWhereItStandsOnEachRule() {
    Http http = new Http(port);
    String key = UUID.randomUUID().toString();
    http.get("/assets", "X-Api-Key", key);

    HttpResponse<String> r = http.get("/actuator/sluice/" + key);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("\"rule\":\"assets\"")
        .contains("\"used\":1")
        .contains("\"remaining\":1");
  }

  @Test
  void aTierSetThroughTheEndpoint_appliesToTheNextRequest() {
    Http http = new Http(port);
    String key = UUID.randomUUID().toString();

    HttpResponse<String> set =
        http.post("/actuator/sluice/overrides/" + key, "{\"tier\": \"pro\"}");

    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(set.body()).contains("\"tier\":\"pro\"").contains("\"active\":true");
    HttpResponse<String> r = http.get("/assets", "X-Api-Key", key);
    assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue("20");
    HttpResponse<String> gold =
        http.post("/actuator/sluice/overrides/" + key, "{\"tier\": \"gold\"}");
    assertThat(gold.statusCode()).as("a tier the policy lacks").isEqualTo(400);
    assertThat(gold.body())
        .contains("\"code\":\"BAD_OVERRIDE\"")
        .contains("\"field\":\"tier\"")
        .contains("the policy has no tier 'gold'; its tiers are pro");
    assertThat(http.delete("/actuator/sluice/overrides/" + key).body())
        .contains("\"deleted\":true");
    assertThat(http.get("/assets", "X-Api-Key", key).headers().firstValue("X-RateLimit-Limit"))
        .hasValue("2");
    assertThat(http.delete("/actuator/sluice/overrides/" + key).statusCode())
        .as("nothing left to delete")
        .isEqualTo(404);
  }

  @Test
  void aReload_enforcesTheFileAsItIsNow_andABadFileIsRefusedWithItsLocatedError()
      throws IOException {
    Http http = new Http(port);
    String key = UUID.randomUUID().toString();
    Files.writeString(policyFile, POLICY.formatted(7));

    HttpResponse<String> reloaded = http.post("/actuator/sluice", "{}");

    assertThat(reloaded.statusCode()).isEqualTo(200);
    assertThat(http.get("/assets", "X-Api-Key", key).headers().firstValue("X-RateLimit-Limit"))
        .hasValue("7");

    Files.writeString(policyFile, POLICY.formatted(7).replace("GET /assets", "GTE /assets"));
    HttpResponse<String> bad = http.post("/actuator/sluice", "{}");

    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body())
        .contains("BAD_POLICY")
        .contains(policyFile.getFileName() + ":8:12: rules[0].route: unknown HTTP method")
        .contains("did you mean 'GET'?");
    assertThat(http.get("/assets", "X-Api-Key", key).headers().firstValue("X-RateLimit-Limit"))
        .as("the policy in force stays")
        .hasValue("7");
    Files.writeString(policyFile, POLICY.formatted(2));
    http.post("/actuator/sluice", "{}");
  }

  @Test
  void theStoresHealth_isUp() {
    HttpResponse<String> r = new Http(port).get("/actuator/health/sluice");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"status\":\"UP\"").contains("\"store\":\"memory\"");
  }
}
