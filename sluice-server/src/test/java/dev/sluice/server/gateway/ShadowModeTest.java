package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shadow rule never denies, and still reaches metrics, usage, reports and webhooks. */
class ShadowModeTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:05Z");

  @TempDir Path dir;

  OpsFixture f;
  WebhookListener listener;

  @AfterEach
  void close() {
    f.close();
    listener.close();
  }

  @Test
  void aShadowRule_reportsWhatItWouldHaveDenied() throws Exception {
    listener = new WebhookListener(n -> 200);
    f =
        OpsFixture.start(
            dir,
            """
            key: header:X-Api-Key
            webhooks:
              - url: %s
                thresholds: [100]
                secret-env: HOOK_SECRET
            rules:
              - name: search
                route: GET /search
                limits: 10/minute
              - name: search-v2
                route: GET /search
                limits: 3/minute
                shadow: true
            """
                .formatted(listener.url()),
            START,
            Map.of("HOOK_SECRET", "s3cret-s3cret-s3cret"),
            b -> {});
    String fp = f.fingerprint("key-a");

    assertThat(f.hit("/search", "key-a", 5)).as("the shadow rule denies nothing").isEqualTo(5);

    JsonObject event = new JsonObject(listener.next().body());
    assertThat(event.getString("rule")).isEqualTo("search-v2");
    assertThat(event.getBoolean("shadow")).isTrue();
    assertThat(event.getLong("used")).isEqualTo(3);
    assertThat(event.getString("identity")).isEqualTo(fp);

    assertThat(f.admin("GET", "/metrics", null).body())
        .contains("sluice_shadow_denials_total{rule=\"search-v2\"} 2.0");

    JsonArray usage = f.adminJson("GET", "/admin/usage?key=key-a", null).getJsonArray("usage");
    JsonObject v2 = UsageApiTest.find(usage, "rule", "search-v2");
    assertThat(v2.getBoolean("shadow")).isTrue();
    assertThat(v2.getJsonArray("limits").getJsonObject(0).getLong("used")).isEqualTo(3);

    JsonArray rows = f.adminJson("GET", "/admin/usage/report", null).getJsonArray("rows");
    assertThat(
            rows.stream()
                .map(o -> (JsonObject) o)
                .map(
                    r ->
                        r.getString("rule")
                            + " "
                            + r.getBoolean("shadow")
                            + " "
                            + r.getLong("allowed")
                            + " "
                            + r.getLong("denied")))
        .containsExactlyInAnyOrder("search false 5 0", "search-v2 true 3 2");

    JsonArray series =
        f.adminJson("GET", "/admin/stats", null).getJsonObject("rates").getJsonArray("series");
    assertThat(UsageApiTest.find(series, "outcome", "shadow_denied").getString("rule"))
        .isEqualTo("search-v2");
    assertThat(UsageApiTest.find(series, "outcome", "shadow_denied").getLong("last_minute"))
        .isEqualTo(2);
  }
}
