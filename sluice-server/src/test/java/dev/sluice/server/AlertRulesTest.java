package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * {@code examples/prometheus/alerts.yaml}: Prometheus's rule-file shape, every series it watches
 * one the docs' metrics table lists (so a renamed metric cannot leave an alert that never fires),
 * and, where {@code promtool} is installed, what {@code promtool check rules} says.
 */
class AlertRulesTest {
  private static final Pattern SERIES = Pattern.compile("\\b((?:sluice|process)_[a-z_]+)");

  private static Path file() {
    Path p = Path.of("..", "examples", "prometheus", "alerts.yaml");
    return Files.exists(p) ? p : Path.of("examples", "prometheus", "alerts.yaml");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAlert_isWellFormed_andWatchesOnlyDocumentedSeries() throws Exception {
    Map<String, Object> root =
        (Map<String, Object>)
            new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(file(), StandardCharsets.UTF_8));
    List<Map<String, Object>> groups = (List<Map<String, Object>>) root.get("groups");
    assertThat(groups).isNotEmpty();
    Set<String> documented = new TreeSet<>();
    MetricsExpositionTest.documented()
        .forEach(
            (name, d) -> {
              documented.add(name);
              if (d.type().equals("histogram")) {
                documented.addAll(Set.of(name + "_bucket", name + "_count", name + "_sum"));
              }
            });
    Set<String> alerts = new TreeSet<>();
    for (Map<String, Object> g : groups) {
      assertThat(g.get("name")).isInstanceOf(String.class);
      for (Map<String, Object> rule : (List<Map<String, Object>>) g.get("rules")) {
        String alert = (String) rule.get("alert");
        assertThat(alert).matches("[A-Z][A-Za-z]+");
        alerts.add(alert);
        assertThat(rule.keySet())
            .containsAll(List.of("alert", "expr", "labels", "annotations"))
            .isSubsetOf("alert", "expr", "for", "labels", "annotations");
        assertThat((Map<String, Object>) rule.get("annotations")).containsKey("summary");
        Matcher m = SERIES.matcher((String) rule.get("expr"));
        int found = 0;
        while (m.find()) {
          assertThat(documented).as("a series of alert %s", alert).contains(m.group(1));
          found++;
        }
        assertThat(found).as("series watched by %s", alert).isPositive();
      }
    }
    assertThat(alerts)
        .contains(
            "SluiceStoreErrors",
            "SluiceDenialSpike",
            "SluiceWebhookFailures",
            "SluiceTablePressure");
  }

  @Test
  void promtool_checksTheRules_whereItIsInstalled() throws Exception {
    Process which = new ProcessBuilder("sh", "-c", "command -v promtool").start();
    Assumptions.assumeTrue(
        which.waitFor(10, TimeUnit.SECONDS) && which.exitValue() == 0,
        "promtool is not installed (apt-get install prometheus)");
    Process check =
        new ProcessBuilder("promtool", "check", "rules", file().toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(check.exitValue()).as(out).isZero();
    assertThat(out).contains("SUCCESS");
  }
}
