package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes on one real Redis, requests split across them: the usage report either
 * gives is the fleet's and adds up exactly (once each has published, which asking for a report
 * does), each instance's own report is its share, the "closest to their limits" of one shows an
 * identity only the other saw, and the dashboard lists both instances with their policy's hash.
 */
@EnabledOnOs(OS.LINUX)
class FleetUsageOnRedisIT {
  static final String SECRET = "00112233445566778899aabbccddeeff";
  static final String TOKEN = "fleet-admin-token-0123456789";
  static final String VIEWER = "fleet-viewer-token-0123456789";

  @TempDir Path dir;

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void twoGatewaysOnOneRedis_reportTheFleetsUsage_exactly() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer upstream =
        vertx
            .createHttpServer()
            .requestHandler(req -> req.response().end("ok"))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        """
        key: header:X-Api-Key
        rules:
          - name: search
            route: GET /search
            limits: 10/hour
        """);
    try (RedisServer redis = RedisServer.start()) {
      String[] args = {
        "--config",
        policy.toString(),
        "--port",
        "0",
        "--admin-port",
        "0",
        "--upstream",
        "http://127.0.0.1:" + upstream.actualPort(),
        "--store",
        redis.uri(),
        "--store-timeout",
        "2s",
        "--admin-token",
        TOKEN
      };
      Map<String, String> env =
          Map.of("SLUICE_IDENTITY_SECRET", SECRET, "SLUICE_VIEWER_TOKEN", VIEWER);
      try (ServeProcess a = new ServeProcess(env, args);
          ServeProcess b = new ServeProcess(env, args)) {
        // alice: 24 requests alternating between the gateways (10 allowed in all, as the shared
        // limit says, 14 denied); bob: 3 through a only; carol: 4 through b only.
        Map<String, int[]> expected = new HashMap<>(); // identity -> {allowed, denied}
        Map<Integer, Integer> allowedAt = new HashMap<>();
        for (int i = 0; i < 24; i++) {
          count(expected, allowedAt, i % 2 == 0 ? a.proxyPort : b.proxyPort, "alice");
        }
        for (int i = 0; i < 3; i++) {
          count(expected, allowedAt, a.proxyPort, "bob");
        }
        for (int i = 0; i < 4; i++) {
          count(expected, allowedAt, b.proxyPort, "carol");
        }
        assertThat(expected.get("alice")).containsExactly(10, 14);
        Map<String, String> fingerprints = new HashMap<>();
        for (String who : expected.keySet()) {
          fingerprints.put(
              admin(a.adminPort, "/admin/usage?key=" + who).getString("identity"), who);
        }

        admin(a.adminPort, "/admin/usage/report"); // a publishes its counts
        JsonObject atB = admin(b.adminPort, "/admin/usage/report"); // b publishes, reads a's
        JsonObject atA = admin(a.adminPort, "/admin/usage/report"); // a reads b's

        for (JsonObject report : new JsonObject[] {atA, atB}) {
          assertThat(report.getString("scope")).isEqualTo("fleet");
          assertThat(report.getJsonObject("instances").size()).isEqualTo(2);
          assertThat(sums(report, fingerprints)).isEqualTo(asStrings(expected));
        }
        // Each instance's own report is its share; the shares add up to the fleet's.
        Map<String, String> onA =
            sums(admin(a.adminPort, "/admin/usage/report?scope=instance"), fingerprints);
        Map<String, String> onB =
            sums(admin(b.adminPort, "/admin/usage/report?scope=instance"), fingerprints);
        assertThat(onA).doesNotContainKey("carol");
        assertThat(onB).doesNotContainKey("bob");
        assertThat(allowed(onA, "alice") + allowed(onB, "alice")).isEqualTo(10);
        assertThat(allowedAt.get(a.proxyPort) + allowedAt.get(b.proxyPort)).isEqualTo(10 + 3 + 4);
        // The CSV is the fleet's too, and the viewer token reads it.
        HttpResponse<String> csv =
            get(b.adminPort, "/admin/usage/report?format=csv", "Bearer " + VIEWER);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.body().lines().filter(l -> l.contains(",search,")).count()).isEqualTo(3);

        // Closest to their limits: a shows carol, whom only b saw.
        JsonArray top = admin(a.adminPort, "/admin/usage/top").getJsonArray("top");
        String carol = key(fingerprints, "carol");
        JsonObject carolAtA = null;
        for (int i = 0; i < top.size(); i++) {
          if (carol.equals(top.getJsonObject(i).getString("identity"))) {
            carolAtA = top.getJsonObject(i);
          }
        }
        assertThat(carolAtA).as("carol in a's top: " + top).isNotNull();
        assertThat(carolAtA.getLong("used")).isEqualTo(4);
        assertThat(top.getJsonObject(0).getString("identity"))
            .isEqualTo(key(fingerprints, "alice"));

        // The dashboard's data: both instances, running the same policy.
        JsonObject stats = admin(a.adminPort, "/admin/stats");
        assertThat(stats.getString("scope")).isEqualTo("fleet");
        JsonArray instances = stats.getJsonArray("instances");
        assertThat(instances.size()).isEqualTo(2);
        for (int i = 0; i < instances.size(); i++) {
          assertThat(instances.getJsonObject(i).getString("policy_hash"))
              .isEqualTo(stats.getString("policy_hash"));
          assertThat(instances.getJsonObject(i).getBoolean("live")).isTrue();
        }
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private void count(
      Map<String, int[]> expected, Map<Integer, Integer> allowedAt, int port, String who)
      throws Exception {
    int status =
        http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/search"))
                    .header("X-Api-Key", who)
                    .timeout(Duration.ofSeconds(60))
                    .build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode();
    assertThat(status).isIn(200, 429);
    expected.computeIfAbsent(who, k -> new int[2])[status == 200 ? 0 : 1]++;
    allowedAt.merge(port, status == 200 ? 1 : 0, Integer::sum);
  }

  /** The report's rows for rule search, summed per identity: {@code "allowed/denied"}. */
  private static Map<String, String> sums(JsonObject report, Map<String, String> names) {
    Map<String, int[]> sum = new HashMap<>();
    JsonArray rows = report.getJsonArray("rows");
    for (int i = 0; i < rows.size(); i++) {
      JsonObject r = rows.getJsonObject(i);
      String who = names.getOrDefault(r.getString("identity"), r.getString("identity"));
      int[] s = sum.computeIfAbsent(who, k -> new int[2]);
      s[0] += r.getInteger("allowed");
      s[1] += r.getInteger("denied");
    }
    return asStrings(sum);
  }

  private static Map<String, String> asStrings(Map<String, int[]> counts) {
    Map<String, String> out = new HashMap<>();
    counts.forEach((k, v) -> out.put(k, v[0] + "/" + v[1]));
    return out;
  }

  private static int allowed(Map<String, String> sums, String who) {
    return Integer.parseInt(sums.getOrDefault(who, "0/0").split("/")[0]);
  }

  private static String key(Map<String, String> fingerprints, String who) {
    return fingerprints.entrySet().stream()
        .filter(e -> e.getValue().equals(who))
        .findFirst()
        .orElseThrow()
        .getKey();
  }

  private JsonObject admin(int port, String path) throws Exception {
    HttpResponse<String> r = get(port, path, "Bearer " + TOKEN);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private HttpResponse<String> get(int port, String path, String authorization) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", authorization)
            .timeout(Duration.ofSeconds(60))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
