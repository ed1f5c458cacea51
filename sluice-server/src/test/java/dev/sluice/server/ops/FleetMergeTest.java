package dev.sluice.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What instances publish to the fleet and how it is summed: an hour's rows survive the trip through
 * JSON, and the near-limit entries of several instances keep the latest view of each identity.
 */
class FleetMergeTest {
  static final long HOUR = 3_600_000_000L;
  static final long T0 = 1_893_456_000_000_000L; // 2030-01-01T00:00:00Z

  @Test
  void anotherInstancesHour_addsToThisOnesReport() {
    UsageReport report = new UsageReport(Duration.ofDays(1), 1_000);
    JsonArray published =
        new JsonArray()
            .add(new JsonArray().add("00000000000000aa").add("search").add(false).add(3).add(1))
            .add(new JsonArray().add("other").add("search").add(false).add(5).add(0));
    UsageReport.HourRows theirs = UsageReport.parse(T0, published);

    List<UsageReport.Line> lines =
        report.lines(false, null, T0 + HOUR / 2, List.of(theirs, theirs));

    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).identity()).isEqualTo("00000000000000aa");
    assertThat(lines.get(0).allowed()).isEqualTo(6);
    assertThat(lines.get(0).denied()).isEqualTo(2);
    assertThat(lines.get(1).identity()).isEqualTo("other");
    assertThat(UsageReport.folded(lines)).isEqualTo(10);
    assertThat(report.takeChanged()).as("nothing of its own to publish").isEqualTo(Map.of());
  }

  @Test
  void nearLimits_keepTheLatestViewOfEachIdentity_andDropResetWindows() {
    long nowSeconds = T0 / 1_000_000;
    JsonObject older = entry("aa", 9, 10, nowSeconds + 30, T0 - 2_000_000);
    JsonObject newer = entry("aa", 2, 10, nowSeconds + 60, T0 - 1_000_000);
    JsonObject reset = entry("bb", 10, 10, nowSeconds, T0 - 500_000);
    JsonObject half = entry("cc", 5, 10, nowSeconds + 10, T0 - 3_000_000);

    List<JsonObject> top = NearLimits.merge(List.of(older, reset, half, newer), 10, T0);

    assertThat(top).extracting(o -> o.getString("identity")).containsExactly("cc", "aa");
    assertThat(top.get(1).getLong("used")).as("the newest observation wins").isEqualTo(2);
    assertThat(top.get(0).containsKey("seen")).isFalse();
  }

  static JsonObject entry(String id, long used, long capacity, long reset, long seen) {
    return new JsonObject()
        .put("identity", id)
        .put("rule", "search")
        .put("used", used)
        .put("capacity", capacity)
        .put("remaining", capacity - used)
        .put("reset", reset)
        .put("seen", seen);
  }
}
