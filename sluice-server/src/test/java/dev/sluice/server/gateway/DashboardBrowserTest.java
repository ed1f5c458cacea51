package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.server.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser (Debian's headless {@code chromium}, which {@code .ci/run}
 * installs): after known traffic, the page it renders shows the top key's fingerprint and use, the
 * rules with their decision counts, and the webhook deliveries; a screenshot is written to {@code
 * target/dashboard.png}.
 */
class DashboardBrowserTest {
  static final Instant START = Instant.parse("2030-01-01T12:00:00Z");

  @TempDir Path dir;

  OpsFixture f;
  WebhookListener listener;

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
    if (listener != null) {
      listener.close();
    }
  }

  @Test
  void dashboard_showsTheTrafficTheTestSent() throws Exception {
    String chromium = HeadlessChromium.find();
    // Where CI runs, .ci/run installs Chromium, so its absence there is a failure, not a skip.
    assertThat(chromium != null || System.getenv("CI") == null)
        .as("CI is set but there is no chromium on the PATH; .ci/run installs Debian's chromium")
        .isTrue();
    assumeTrue(
        chromium != null,
        "no chromium binary on the PATH: the dashboard's browser test"
            + " is skipped (.ci/run installs Debian's chromium; apt-get install chromium)");
    listener = new WebhookListener(n -> 200);
    f =
        OpsFixture.start(
            dir,
            """
            key: header:X-Api-Key
            global: {limits: 1000/minute}
            webhooks:
              - url: %s
                thresholds: [80, 100]
                secret-env: HOOK_SECRET
                rules: [search]
            rules:
              - name: search
                route: GET /search
                limits: 12/minute
              - name: login
                route: GET /login
                limits: 5/minute
            """
                .formatted(listener.url()),
            START,
            Map.of("HOOK_SECRET", "s3cret-s3cret-s3cret"),
            b -> {});

    // 40 seconds of traffic, a little each second: alice searches every second until she is
    // refused (12 per minute), bob and carol every 5 s (8 each, under 80%: no webhook), and
    // dave tries to log in every 4 s (5 allowed, then refused).
    int searchAllowed = 0;
    int searchDenied = 0;
    int loginAllowed = 0;
    int loginDenied = 0;
    for (int s = 0; s < 40; s++) {
      List<String> searchers = new ArrayList<>(List.of("alice"));
      if (s % 5 == 0) {
        searchers.add("bob");
      }
      if (s % 5 == 2) {
        searchers.add("carol");
      }
      for (String who : searchers) {
        int status = f.get("/search", "X-Api-Key", who).statusCode();
        searchAllowed += status == 200 ? 1 : 0;
        searchDenied += status == 429 ? 1 : 0;
      }
      if (s % 4 == 1) {
        int status = f.get("/login", "X-Api-Key", "dave").statusCode();
        loginAllowed += status == 200 ? 1 : 0;
        loginDenied += status == 429 ? 1 : 0;
      }
      f.ticker.advance(Duration.ofSeconds(1));
    }
    assertThat(searchAllowed).isEqualTo(12 + 8 + 8);
    assertThat(loginDenied).isEqualTo(5);
    listener.next(); // alice at 80%
    listener.next(); // alice at 100%
    OpsFixture.await(
        "deliveries recorded",
        () ->
            f.adminJson("GET", "/admin/stats", null).getJsonObject("webhooks").getLong("delivered")
                == 2);
    String alice = f.fingerprint("alice");

    String url =
        "http://127.0.0.1:" + f.gateway.adminPort() + "/dashboard?token=" + OpsFixture.TOKEN;
    String dom =
        HeadlessChromium.run(dir, chromium, "--virtual-time-budget=10000", "--dump-dom", url);
    Path png = Path.of("target", "dashboard.png").toAbsolutePath();
    Files.createDirectories(png.getParent());
    Files.deleteIfExists(png);
    HeadlessChromium.run(
        dir,
        chromium,
        "--virtual-time-budget=10000",
        "--screenshot=" + png,
        "--window-size=1280,900",
        "--hide-scrollbars",
        url);

    assertThat(dom).contains("<span id=\"state\" class=\"pill live\">live</span>");
    assertThat(dom).contains("as of 2030-01-01 12:00:40 UTC");
    // the top key: alice, 12 of 12 on search
    String topRow = row(dom, "data-identity=\"" + alice + "\"");
    assertThat(topRow).contains(">search<").contains("12 / 12 (100%)").contains(">0<");
    assertThat(dom.indexOf("data-identity=\"" + alice + "\""))
        .as("alice is first")
        .isLessThan(dom.indexOf("data-identity=\"", dom.indexOf("top-rows")) + 1);
    // the rules with their counts over the last minute
    assertThat(lastMinute(dom, "search", "allowed")).isEqualTo(searchAllowed);
    assertThat(lastMinute(dom, "search", "denied")).isEqualTo(searchDenied);
    assertThat(lastMinute(dom, "login", "allowed")).isEqualTo(loginAllowed);
    assertThat(lastMinute(dom, "login", "denied")).isEqualTo(loginDenied);
    assertThat(dom).contains("id=\"sum-allowed\">" + (searchAllowed + loginAllowed) + "<");
    assertThat(dom).contains("id=\"sum-denied\">" + (searchDenied + loginDenied) + "<");
    // the webhook deliveries
    assertThat(row(dom, "delivery-rows")).contains("delivered");
    assertThat(dom).contains("id=\"sum-webhooks\">2 / 0 / 0<");
    assertThat(dom).contains(">80%<").contains(">100%<");
    assertThat(Files.size(png)).as("a screenshot was taken").isGreaterThan(10_000);
  }

  /** The text of the table row that contains {@code marker}. */
  static String row(String dom, String marker) {
    int at = dom.indexOf(marker);
    assertThat(at).as("the page shows " + marker).isGreaterThanOrEqualTo(0);
    int end = dom.indexOf("</tr>", at);
    return dom.substring(at, end);
  }

  static int lastMinute(String dom, String rule, String outcome) {
    Matcher m =
        Pattern.compile(
                "data-rule=\""
                    + rule
                    + "\" data-outcome=\""
                    + outcome
                    + "\">.*?class=\"num last-minute\">([0-9,]+)<")
            .matcher(dom);
    assertThat(m.find()).as("a row for " + rule + " " + outcome).isTrue();
    return Integer.parseInt(m.group(1).replace(",", ""));
  }
}
