package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.ops.AdminToken;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may call {@code POST /v1/check}, which charges a client's limits and shows what remains of
 * them: the holder of the check token or of the admin token, or anyone once the operator opened it;
 * and its dry runs, which answer without charging.
 */
class CheckApiAccessTest {
  static final String CHECK_TOKEN = "test-check-token-0123456789";
  static final String POLICY = "key: header:X-Api-Key\nglobal: {limits: 5/minute}\n";
  static final Instant START = Instant.parse("2030-01-01T00:00:05Z");

  @TempDir Path dir;

  OpsFixture f;

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  HttpResponse<String> check(String body, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(f.admin("/v1/check"))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return f.send(b);
  }

  static String forKey(String key, String more) {
    return "{\"method\": \"GET\", \"path\": \"/x\", \"headers\": {\"X-Api-Key\": \""
        + key
        + "\"}"
        + more
        + "}";
  }

  @Test
  void theCheckToken_opensTheDecisionApiButNotTheAdminApi() {
    f =
        OpsFixture.start(
            dir, POLICY, START, Map.of(), b -> b.checkToken(AdminToken.of(CHECK_TOKEN)));

    HttpResponse<String> withCheckToken = check(forKey("k", ""), CHECK_TOKEN);
    HttpResponse<String> withAdminToken = check(forKey("k", ""), OpsFixture.TOKEN);
    HttpResponse<String> without = check(forKey("k", ""), null);
    HttpResponse<String> adminApi =
        f.send(
            HttpRequest.newBuilder(f.admin("/admin/overrides"))
                .header("Authorization", "Bearer " + CHECK_TOKEN)
                .GET());

    assertThat(withCheckToken.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(withCheckToken.body()).getBoolean("allowed")).isTrue();
    assertThat(withAdminToken.statusCode()).isEqualTo(200);
    assertThat(without.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(without.body()).getJsonObject("error").getString("code"))
        .isEqualTo("UNAUTHORIZED");
    assertThat(adminApi.statusCode()).as("the check token is not the admin token").isEqualTo(401);
  }

  @Test
  void openCheck_takesChecksWithoutAToken() {
    f = OpsFixture.start(dir, POLICY, START, Map.of(), b -> b.openCheck(true));

    HttpResponse<String> r = check(forKey("k", ""), null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getBoolean("allowed")).isTrue();
  }

  @Test
  void aDryRun_answersWithoutCharging() {
    f = OpsFixture.start(dir, POLICY, START);
    check(forKey("k", ""), OpsFixture.TOKEN);

    JsonObject dry =
        new JsonObject(
            check(forKey("k", ", \"cost\": 4, \"dry_run\": true"), OpsFixture.TOKEN).body());
    JsonObject tooMuch =
        new JsonObject(
            check(forKey("k", ", \"cost\": 5, \"dry_run\": true"), OpsFixture.TOKEN).body());
    JsonObject real = new JsonObject(check(forKey("k", ""), OpsFixture.TOKEN).body());

    assertThat(dry.getBoolean("allowed")).isTrue();
    assertThat(dry.getBoolean("dry_run")).isTrue();
    assertThat(dry.getJsonArray("limits").getJsonObject(0).getLong("remaining"))
        .as("what would remain after it")
        .isZero();
    assertThat(tooMuch.getBoolean("allowed")).isFalse();
    assertThat(tooMuch.getInteger("status")).isEqualTo(429);
    assertThat(real.getBoolean("dry_run")).isFalse();
    assertThat(real.getJsonArray("limits").getJsonObject(0).getLong("remaining"))
        .as("the dry runs charged nothing: 5 - 2 real checks")
        .isEqualTo(3);
  }

  @Test
  void aDryRun_isNotCountedInMetrics() {
    f = OpsFixture.start(dir, POLICY, START);

    check(forKey("k", ", \"dry_run\": true"), OpsFixture.TOKEN);
    check(forKey("k", ""), OpsFixture.TOKEN);
    check(forKey("k", ", \"dry_run\": true"), OpsFixture.TOKEN);

    assertThat(f.admin("GET", "/metrics", null).body())
        .as("the engine tells its listeners of real decisions only")
        .contains("sluice_decisions_total{outcome=\"allowed\",rule=\"global\"} 1.0")
        .contains("sluice_decision_seconds_count 1");
  }

  @Test
  void aDryRunThatIsNotABoolean_isA400NamingTheField() {
    f = OpsFixture.start(dir, POLICY, START);

    HttpResponse<String> r = check(forKey("k", ", \"dry_run\": \"yes\""), OpsFixture.TOKEN);

    assertThat(r.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("field")).isEqualTo("dry_run");
    assertThat(error.getString("message")).isEqualTo("dry_run must be true or false");
  }
}
