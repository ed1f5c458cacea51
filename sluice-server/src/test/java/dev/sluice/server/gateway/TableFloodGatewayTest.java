package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flood that filled the bucket table, through the real gateway on real sockets: distinct bearer
 * tokens from one address, then from many, against IPTO's limits on a table of 300 buckets. Client
 * addresses come from {@code X-Forwarded-For}, the test's loopback peer being a trusted proxy.
 */
class TableFloodGatewayTest {
  static final String POLICY =
      """
      headers: x-ratelimit
      trusted-proxies: [127.0.0.1/32]
      key: [bearer, ip]
      global:
        limits: [100/minute, 1000/hour, 10_000/day]
      rules:
        - name: magic-link
          route: POST /auth/magic-link
          key: body:email
          limits: 3/hour
      """;

  @TempDir Path dir;
  GatewayFixture gw;

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  private HttpResponse<String> asBearer(String token, String address) {
    return gw.get("/assets", "Authorization", "Bearer " + token, "X-Forwarded-For", address);
  }

  /** Sends {@code n} requests; how many got each status. */
  private static Map<Integer, Integer> statuses(int n, IntFunction<HttpResponse<String>> send) {
    Map<Integer, Integer> out = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      out.merge(send.apply(i).statusCode(), 1, Integer::sum);
    }
    return out;
  }

  @Test
  void aFloodOfNewBearers_fillingTheTable_neverLocksOutNewcomers_norResetsAnyone() {
    gw =
        GatewayFixture.policy(
            dir,
            POLICY,
            Instant.parse("2030-06-01T12:00:30Z"),
            b -> b.maxBuckets(300).maxNewIdentitiesPerOrigin(20));
    for (int i = 0; i < 7; i++) {
      assertThat(asBearer("alice", "203.0.113.1").statusCode()).isEqualTo(200);
    }

    // One address: 20 new identities of its own, then one bucket of 100/minute for the rest.
    assertThat(statuses(200, i -> asBearer("junk-" + i, "198.51.100.66")))
        .isEqualTo(Map.of(200, 120, 429, 80));
    // Fifteen more, each under its ceiling: the table passes its identity capacity (270).
    assertThat(statuses(300, i -> asBearer("more-junk-" + i, "198.51.100." + (i % 15))))
        .doesNotContainKey(503);

    assertThat(statuses(101, i -> asBearer("bob", "203.0.113.9")))
        .as("Bob, new, from elsewhere: served, 100 a minute")
        .isEqualTo(Map.of(200, 100, 429, 1));
    assertThat(
            statuses(
                4,
                i ->
                    gw.post(
                        "/auth/magic-link",
                        "{\"email\":\"carol@example.com\"}",
                        "X-Forwarded-For",
                        "203.0.113.10")))
        .isEqualTo(Map.of(200, 3, 429, 1));
    HttpResponse<String> alice = asBearer("alice", "203.0.113.1");
    assertThat(alice.statusCode()).isEqualTo(200);
    assertThat(alice.headers().firstValue("X-RateLimit-Remaining"))
        .as("Alice's count, exact through the flood")
        .hasValue("92");

    String metrics = gw.send(HttpRequest.newBuilder(gw.admin("/metrics")).GET()).body();
    assertThat(metrics)
        .contains("sluice_table_overflow_total{action=\"ceiling\",rule=\"global\"} 180.0")
        .contains("sluice_table_overflow_total{action=\"reserve\",rule=\"global\"}")
        .contains("sluice_table_capacity 300.0")
        .contains("sluice_table_buckets ");
    HttpResponse<String> ready = gw.send(HttpRequest.newBuilder(gw.admin("/readyz")).GET());
    assertThat(ready.statusCode()).as("a full table is not unreadiness").isEqualTo(200);
    JsonObject table = new JsonObject(ready.body()).getJsonObject("table");
    assertThat(table.getLong("capacity")).isEqualTo(300);
    assertThat(table.getLong("buckets")).isBetween(270L, 300L);
    assertThat(table.getString("state")).isIn("reserve", "full");
    assertThat(table.getDouble("fill")).isGreaterThanOrEqualTo(0.9);
    assertThat(table.getJsonObject("overflows").getJsonObject("global").getLong("ceiling"))
        .isEqualTo(180);
    HttpResponse<String> stats =
        gw.send(
            HttpRequest.newBuilder(gw.admin("/admin/stats"))
                .header("Authorization", "Bearer " + gw.gateway.operations().token().value())
                .GET());
    assertThat(stats.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(stats.body()).getJsonObject("table").getLong("capacity"))
        .as("the dashboard's figures")
        .isEqualTo(300);
  }

  @Test
  void tablePressure_isLoggedAsOneLineWithCounts_andNothingWhenNothingHappened() {
    gw =
        GatewayFixture.policy(
            dir,
            POLICY,
            Instant.parse("2030-06-01T12:00:30Z"),
            b -> b.maxBuckets(1_000).maxNewIdentitiesPerOrigin(2));
    TableWarnings warnings =
        new TableWarnings(dev.sluice.server.ops.TableStats.of(gw.engines.store()));
    assertThat(warnings.check()).isNull();

    statuses(5, i -> asBearer("junk-" + i, "198.51.100.66"));
    String line = warnings.check();

    assertThat(line)
        .startsWith("the bucket table is ok (")
        .contains("since the last report: ceiling 3 (");
    assertThat(warnings.check()).as("nothing new: no line").isNull();
  }
}
