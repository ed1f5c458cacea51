package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    String chromium = DashboardBrowserTest.chromium();
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
    String dom = run(chromium, "--dump-dom", url);
    Path png = Path.of("target", "dashboard-webhooks.png").toAbsolutePath();
    Files.createDirectories(png.getParent());
    Files.deleteIfExists(png);
    run(chromium, "--screenshot=" + png, "--window-size=1280,1400", "--hide-scrollbars", url);

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

  private String run(String chromium, String... args) throws Exception {
    Path profile = Files.createTempDirectory(dir, "chromium");
    List<String> command =
        new ArrayList<>(
            List.of(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                "--virtual-time-budget=10000"));
    command.addAll(List.of(args));
    Path out = dir.resolve("chromium-" + System.nanoTime() + ".out");
    Path err = dir.resolve("chromium-" + System.nanoTime() + ".err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 90 s: " + Files.readString(err));
    }
    assertThat(p.exitValue()).as("chromium's exit code; stderr: " + Files.readString(err)).isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }
}
