package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin port: health, readiness, metrics, and reloading the policy. */
class AdminPortTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:05Z");

  @TempDir Path dir;

  GatewayFixture f;

  @AfterEach
  void close() {
    f.close();
  }

  GatewayFixture start(String yaml) {
    return f = GatewayFixture.policy(dir, yaml, START);
  }

  HttpResponse<String> admin(String method, String path) {
    return f.send(
        HttpRequest.newBuilder(f.admin(path))
            .header("Authorization", "Bearer " + f.gateway.operations().token().value())
            .method(method, HttpRequest.BodyPublishers.noBody()));
  }

  @Test
  void healthAndReadiness() {
    start("global: {key: ip, limits: 5/minute}\n");

    HttpResponse<String> health = admin("GET", "/healthz");
    HttpResponse<String> ready = admin("GET", "/readyz");

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getString("store")).isEqualTo("memory");
  }

  @Test
  void metrics_countDecisionsByRuleAndOutcome() {
    start(
        """
        global: {key: ip, limits: 100/minute}
        rules:
          - name: login
            route: POST /login
            key: ip
            limits: 1/minute
        """);
    f.post("/login", "{}");
    f.post("/login", "{}");
    f.get("/other");

    HttpResponse<String> m = admin("GET", "/metrics");

    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(m.body())
        .contains("sluice_decisions_total{outcome=\"allowed\",rule=\"login\"} 1.0")
        .contains("sluice_decisions_total{outcome=\"denied\",rule=\"login\"} 1.0")
        .contains("sluice_decisions_total{outcome=\"allowed\",rule=\"global\"} 1.0")
        .contains("sluice_decision_seconds_count 3")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void reload_putsANewPolicyInForceWithoutARestart() throws Exception {
    start("global: {key: ip, limits: 1/minute}\n");
    assertThat(f.get("/x").statusCode()).isEqualTo(200);
    assertThat(f.get("/x").statusCode()).isEqualTo(429);

    Files.writeString(f.policyFile, "global: {key: ip, limits: 3/minute}\n");
    HttpResponse<String> r = admin("POST", "/admin/reload");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getBoolean("reloaded")).isTrue();
    assertThat(f.get("/x").headers().firstValue("X-RateLimit-Limit")).hasValue("3");
    assertThat(admin("GET", "/metrics").body())
        .contains("sluice_policy_reloads_total{result=\"ok\"} 1.0");
  }

  @Test
  void metrics_countTheDecisionsOfTheEngineAReloadPutInForce() throws Exception {
    start("global: {key: ip, limits: 1/minute}\n");
    f.get("/x");

    Files.writeString(
        f.policyFile, "rules: [{name: fresh, route: GET /x, key: ip, limits: 3/minute}]\n");
    admin("POST", "/admin/reload");
    f.get("/x");

    assertThat(admin("GET", "/metrics").body())
        .contains("sluice_decisions_total{outcome=\"allowed\",rule=\"global\"} 1.0")
        .contains("sluice_decisions_total{outcome=\"allowed\",rule=\"fresh\"} 1.0")
        .contains("sluice_decision_seconds_count 2");
  }

  @Test
  void reloadOfABadPolicy_isRefusedWithItsLocatedErrorAndTheOldOneStays() throws Exception {
    start("global: {key: ip, limits: 1/minute}\n");
    f.get("/x");

    Files.writeString(f.policyFile, "global: {key: ip, limits: 3/minuet}\n");
    HttpResponse<String> r = admin("POST", "/admin/reload");

    assertThat(r.statusCode()).isEqualTo(422);
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("INVALID_POLICY");
    assertThat(error.getString("message")).contains("policy.yaml:1:").contains("minuet");
    assertThat(f.get("/x").statusCode()).as("the old policy is still in force").isEqualTo(429);
    assertThat(f.gateway.reload()).as("the same through the API SIGHUP uses").contains("minuet");
  }

  @Test
  void reload_keepsTheCountsOfRulesThatDidNotChange() throws Exception {
    start("global: {key: ip, limits: 2/minute}\n");
    f.get("/x");

    Files.writeString(
        f.policyFile,
        "global: {key: ip, limits: 2/minute}\n"
            + "rules: [{route: GET /new, key: ip, limits: 5/minute}]\n");
    admin("POST", "/admin/reload");

    assertThat(f.get("/x").headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
  }

  @Test
  void unknownPathsAndWrongMethods_getJsonErrors() {
    start("global: {key: ip, limits: 1/minute}\n");

    HttpResponse<String> missing = admin("GET", "/nope");
    HttpResponse<String> wrong = admin("GET", "/v1/check");

    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(missing.body()).getJsonObject("error").getString("code"))
        .isEqualTo("NOT_FOUND");
    assertThat(wrong.statusCode()).isEqualTo(405);
    assertThat(wrong.headers().firstValue("Allow")).hasValue("POST");
  }
}
