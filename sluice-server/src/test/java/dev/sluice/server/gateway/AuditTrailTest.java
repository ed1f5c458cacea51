package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail ({@code GET /admin/audit}) and the policy's hash: override changes with their
 * before and after, reloads by the admin API and by signal, taken or refused, newest first, and
 * {@code sluice_policy_info{hash}} following the file in force.
 */
class AuditTrailTest {
  static final String POLICY =
      "key: header:X-Api-Key\ntiers: {pro: {scale: 10}}\nglobal: {limits: 5/minute}\n";

  @TempDir java.nio.file.Path dir;

  OpsFixture f;

  @BeforeEach
  void start() {
    f = OpsFixture.start(dir, POLICY, Instant.parse("2030-01-01T00:00:05Z"));
  }

  @AfterEach
  void stop() {
    f.close();
  }

  JsonArray audit(String query) {
    return f.adminJson("GET", "/admin/audit" + query, null).getJsonArray("entries");
  }

  static String policyInfo(String metrics) {
    Matcher m =
        Pattern.compile("(?m)^sluice_policy_info\\{hash=\"([^\"]+)\"} 1(\\.0)?$").matcher(metrics);
    assertThat(m.find()).as("sluice_policy_info in\n" + metrics).isTrue();
    String hash = m.group(1);
    assertThat(m.find()).as("one series at a time").isFalse();
    return hash;
  }

  @Test
  void overrideChanges_areListedNewestFirst_withBeforeAfterAndWho() {
    String fp = f.fingerprint("key-a");
    assertThat(f.admin("PUT", "/admin/overrides/key-a", "{\"tier\": \"pro\"}").statusCode())
        .isEqualTo(200);
    assertThat(
            f.admin("PUT", "/admin/overrides/key-a", "{\"limits\": {\"global\": \"9/minute\"}}")
                .statusCode())
        .isEqualTo(200);
    assertThat(f.admin("DELETE", "/admin/overrides/key-a", null).statusCode()).isEqualTo(200);

    JsonArray entries = audit("");

    assertThat(entries.size()).isEqualTo(3);
    JsonObject deleted = entries.getJsonObject(0);
    JsonObject changed = entries.getJsonObject(1);
    JsonObject set = entries.getJsonObject(2);
    assertThat(set.getString("action")).isEqualTo("override.put");
    assertThat(set.getString("by")).isEqualTo("admin");
    assertThat(set.getString("identity")).isEqualTo(fp);
    assertThat(set.getValue("before")).isNull();
    assertThat(set.getJsonObject("after").getString("tier")).isEqualTo("pro");
    assertThat(set.getBoolean("ok")).isTrue();
    assertThat(set.getString("time")).isEqualTo("2030-01-01T00:00:05Z");
    assertThat(changed.getJsonObject("before").getString("tier")).isEqualTo("pro");
    assertThat(changed.getJsonObject("after").getJsonObject("limits").getString("global"))
        .isEqualTo("9/minute");
    assertThat(deleted.getString("action")).isEqualTo("override.delete");
    assertThat(deleted.getJsonObject("before").getJsonObject("limits")).isNotNull();
    assertThat(deleted.getValue("after")).isNull();
    assertThat(entries.encode()).doesNotContain("key-a");
    assertThat(audit("?limit=1").size()).isEqualTo(1);
    assertThat(audit("?limit=1").getJsonObject(0).getLong("seq")).isGreaterThan(set.getLong("seq"));
  }

  @Test
  void reloads_byTheApiAndBySignal_takenOrRefused_carryThePolicyHash() throws Exception {
    String first = f.engines.policyHash();
    assertThat(first).matches("[0-9a-f]{12}");
    assertThat(policyInfo(f.send(java.net.http.HttpRequest.newBuilder(f.admin("/metrics"))).body()))
        .isEqualTo(first);

    Files.writeString(f.policyFile, POLICY + "# a comment is a change of the file\n");
    assertThat(f.admin("POST", "/admin/reload", null).statusCode()).isEqualTo(200);
    String second = f.engines.policyHash();
    Files.writeString(f.policyFile, "rules: [this is not a policy\n");
    assertThat(f.gateway.reload()).as("refused, as SIGHUP's would be").isNotNull();

    JsonArray entries = audit("");
    JsonObject refused = entries.getJsonObject(0);
    JsonObject taken = entries.getJsonObject(1);

    assertThat(second).isNotEqualTo(first);
    assertThat(taken.getString("action")).isEqualTo("policy.reload");
    assertThat(taken.getString("by")).isEqualTo("admin");
    assertThat(taken.getString("before")).isEqualTo(first);
    assertThat(taken.getString("after")).isEqualTo(second);
    assertThat(taken.getBoolean("ok")).isTrue();
    assertThat(refused.getString("by")).isEqualTo("signal");
    assertThat(refused.getBoolean("ok")).isFalse();
    assertThat(refused.getString("before")).isEqualTo(second);
    assertThat(refused.getString("after")).as("the old policy stays").isEqualTo(second);
    assertThat(refused.getString("error")).isNotBlank();
    assertThat(policyInfo(f.send(java.net.http.HttpRequest.newBuilder(f.admin("/metrics"))).body()))
        .isEqualTo(second);
    assertThat(f.adminJson("GET", "/admin/stats", null).getString("policy_hash")).isEqualTo(second);
  }

  @Test
  void aBadLimit_is400() {
    for (String q : new String[] {"?limit=0", "?limit=1001", "?limit=x", "?limit=-1"}) {
      var r = f.admin("GET", "/admin/audit" + q, null);
      assertThat(r.statusCode()).as(q).isEqualTo(400);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("field"))
          .isEqualTo("limit");
    }
    assertThat(f.admin("POST", "/admin/audit", null).statusCode()).isEqualTo(405);
  }
}
