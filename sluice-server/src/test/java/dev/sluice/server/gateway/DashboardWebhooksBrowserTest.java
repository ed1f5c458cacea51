package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.server.HeadlessChromium;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's "failed for good" section in headless Chromium: an event its receiver refused
 * (410) is listed with its reason and a Resend button that carries its id; a screenshot is written
 * to {@code target/dashboard-webhooks.png}.
 */
class DashboardWebhooksBrowserTest {
  @TempDir Path dir;

  OpsFixture f;
  WebhookListener receiver;

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  @Test
  void aFailedEvent_isListedWithItsReason_andAResendButton() throws Exception {
    String chromium = HeadlessChromium.find();
    assertThat(chromium != null || System.getenv("CI") == null)
        .as("CI is set but there is no chromium on the PATH; .ci/run installs Debian's chromium")
        .isTrue();
    assumeTrue(chromium != null, "no chromium binary on the PATH (apt-get install chromium)");
    receiver = new WebhookListener(n -> 410);
    f =
        OpsFixture.start(
            dir,
            WebhookTest.policy(receiver.url()),
            WebhookTest.START,
            Map.of("SLUICE_TEST_WEBHOOK_SECRET", WebhookTest.SECRET),
            b -> {});
    f.hit("/search", "key-a", 8);
    String id = new JsonObject(receiver.next().body()).getString("id");
    OpsFixture.await(
        "failed for good",
        () -> f.adminJson("GET", "/admin/webhooks", null).getInteger("failed_kept") == 1);

    String url =
        "http://127.0.0.1:" + f.gateway.adminPort() + "/dashboard?token=" + OpsFixture.TOKEN;
    String dom =
        HeadlessChromium.run(dir, chromium, "--virtual-time-budget=10000", "--dump-dom", url);
    Path png = Path.of("target", "dashboard-webhooks.png").toAbsolutePath();
    Files.createDirectories(png.getParent());
    Files.deleteIfExists(png);
    HeadlessChromium.run(
        dir,
        chromium,
        "--virtual-time-budget=10000",
        "--screenshot=" + png,
        "--window-size=1280,1400",
        "--hide-scrollbars",
        url);

    assertThat(dom).contains("id=\"failed-count\">1<");
    String row = DashboardBrowserTest.row(dom, "id=\"failed-rows\"");
    assertThat(row)
        .contains("HTTP 410")
        .contains("search / search")
        .contains(">80%<")
        .contains(f.fingerprint("key-a"))
        .contains("data-id=\"" + id + "\"")
        .contains(">Resend<");
    assertThat(Files.size(png)).as("a screenshot was taken").isGreaterThan(10_000);
  }
}
