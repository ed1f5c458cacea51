package dev.sluice.server.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.server.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report in a real browser (Debian's headless {@code chromium}, which {@code .ci/run}
 * installs), opened from the file with no network: the page has its charts and tables, with the
 * replay's figures; a screenshot is written to {@code target/simulate-report.png}.
 */
class SimulateReportBrowserTest {
  @TempDir Path dir;

  @Test
  void report_showsItsChartsAndTablesInABrowser() throws Exception {
    String chromium = HeadlessChromium.find();
    assertThat(chromium != null || System.getenv("CI") == null)
        .as("CI is set but there is no chromium on the PATH; .ci/run installs Debian's chromium")
        .isTrue();
    assumeTrue(chromium != null, "no chromium on the PATH: the report's browser test is skipped");
    TrafficLog traffic = SimulateCommandTest.knownTraffic();
    for (int s = 61; s < 600; s += 3) { // ten minutes of steady traffic, one noisy client
      traffic.get(s, "203.0.113.9", 4).get(s, "192.0.2." + (s % 40), 1);
    }
    Path log = TrafficLog.write(dir.resolve("access.log"), traffic.sorted().combined());
    Path proposed =
        Files.writeString(
            dir.resolve("proposed.yaml"),
            "key: ip\nrules:\n  - {name: search, route: GET /search, limits: 60/minute}\n");
    Path current =
        Files.writeString(
            dir.resolve("current.yaml"),
            "key: ip\nrules:\n  - {name: search, route: GET /search, limits: 100/minute}\n");
    Path html = dir.resolve("report.html");
    Run r =
        Run.of(
            "-c",
            proposed.toString(),
            "--against",
            current.toString(),
            "--log",
            log.toString(),
            "--report",
            html.toString(),
            "--json",
            "-");
    assertThat(r.exit()).as(r.err()).isZero();
    long denied = r.policy().getLong("denied");
    assertThat(denied).isPositive();

    String url = html.toUri().toString();
    String dom = HeadlessChromium.run(dir, chromium, "--dump-dom", url);
    Path png = Path.of("target", "simulate-report.png").toAbsolutePath();
    Files.createDirectories(png.getParent());
    Files.deleteIfExists(png);
    HeadlessChromium.run(
        dir, chromium, "--screenshot=" + png, "--window-size=1280,1400", "--hide-scrollbars", url);

    assertThat(dom).contains("id=\"sum-denied\">" + String.format("%,d", denied) + "<");
    assertThat(dom).contains("<div class=\"chart\" data-rule=\"search\">");
    assertThat(dom).containsPattern("<path class=\"denied\" fill=\"#d32f2f\"[^>]* d=\"M");
    assertThat(dom).contains("<svg id=\"top-chart\"");
    String top = r.policy().getJsonArray("identities").getJsonObject(0).getString("fingerprint");
    assertThat(dom).contains("<tr data-identity=\"" + top + "\">");
    assertThat(dom).contains("<table id=\"rules\">").contains("<table id=\"diff\">");
    assertThat(dom)
        .contains(
            "id=\"sum-newly-denied\">"
                + String.format("%,d", r.json().getJsonObject("diff").getLong("newlyDenied")));
    assertThat(Files.size(png)).as("a screenshot was taken").isGreaterThan(10_000);
  }
}
