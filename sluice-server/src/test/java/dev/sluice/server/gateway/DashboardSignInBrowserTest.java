package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.server.HeadlessChromium;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's sign-in in a real browser (headless Chromium driven over the DevTools protocol):
 * the link the banner prints signs in and leaves an address without the token; the cookie is
 * HttpOnly, {@code SameSite=Lax}, on {@code /}, not {@code Secure} on the plain-HTTP admin port,
 * and lasts the session's 12 hours; the page reads with it but cannot make a change with it;
 * signing out ends it; the form signs in with the viewer token. Screenshots go to {@code
 * target/dashboard-signed-in.png} and {@code target/dashboard-sign-in.png}.
 */
class DashboardSignInBrowserTest {
  static final Instant START = Instant.parse("2030-01-01T12:00:00Z");

  @TempDir Path dir;

  OpsFixture f;
  Cdp browser;

  @AfterEach
  void close() {
    if (browser != null) {
      browser.close();
    }
    if (f != null) {
      f.close();
    }
  }

  @Test
  void signInLink_leavesNoTokenInTheAddress_andTheCookieOnlyReads() throws Exception {
    String chromium = HeadlessChromium.find();
    assertThat(chromium != null || System.getenv("CI") == null)
        .as("CI is set but there is no chromium on the PATH; .ci/run installs Debian's chromium")
        .isTrue();
    assumeTrue(chromium != null, "no chromium binary on the PATH (apt-get install chromium)");
    f =
        OpsFixture.start(
            dir,
            """
            key: header:X-Api-Key
            rules:
              - name: search
                route: GET /search
                limits: 5/minute
            """,
            START,
            Map.of(),
            b -> b.viewerToken(dev.sluice.server.ops.AdminToken.of(OpsFixture.VIEWER)));
    f.hit("/search", "alice", 4);
    String alice = f.fingerprint("alice");
    String origin = "http://127.0.0.1:" + f.gateway.adminPort();
    browser = Cdp.start(chromium, Files.createTempDirectory(dir, "chromium"));

    browser.navigate(origin + "/dashboard?token=" + OpsFixture.TOKEN);
    OpsFixture.await(
        "the dashboard to show its data",
        () -> "live".equals(browser.evalQuietly("document.getElementById('state').textContent")));

    assertThat(browser.eval("location.href")).isEqualTo(origin + "/dashboard");
    assertThat(browser.eval("document.cookie"))
        .as("HttpOnly: no script of the page can read the session")
        .doesNotContain("sluice_session");
    JsonObject cookie = only(browser.cookies(origin + "/dashboard"), "sluice_session");
    assertThat(cookie.getBoolean("httpOnly")).isTrue();
    assertThat(cookie.getString("sameSite")).isEqualTo("Lax");
    assertThat(cookie.getString("path")).isEqualTo("/");
    assertThat(cookie.getBoolean("secure")).as("the admin port is plain HTTP").isFalse();
    assertThat(cookie.getBoolean("session")).as("it has an expiry").isFalse();
    double lifetime = cookie.getDouble("expires") - System.currentTimeMillis() / 1000.0;
    assertThat(lifetime).isBetween(12 * 3600.0 - 120, 12 * 3600.0 + 1);
    assertThat(cookie.getString("value")).doesNotContain(OpsFixture.TOKEN);
    OpsFixture.await(
        "alice at the top",
        () ->
            "true"
                .equals(
                    browser.evalQuietly(
                        "!!document.querySelector('tr[data-identity=\"" + alice + "\"]')")));
    assertThat(browser.eval("document.getElementById('policy-hash').textContent"))
        .isEqualTo(f.engines.policyHash())
        .hasSize(12);
    Path png = Path.of("target", "dashboard-signed-in.png").toAbsolutePath();
    Files.createDirectories(png.getParent());
    Files.write(png, browser.screenshot());
    assertThat(Files.size(png)).as("a screenshot was taken").isGreaterThan(10_000);

    // The cookie reads, but a change made with it alone (as a forged request would be) is refused.
    assertThat(
            browser.evalAsync(
                "fetch('/admin/overrides/alice', {method: 'PUT', body: '{\"tier\": \"x\"}'})"
                    + ".then(r => r.status + ' ' + r.headers.get('content-type'))"))
        .isEqualTo("403 application/json");
    assertThat(browser.evalAsync("fetch('/admin/reload', {method: 'POST'}).then(r => r.status)"))
        .isEqualTo("403");
    assertThat(browser.evalAsync("fetch('/admin/audit').then(r => r.status)"))
        .as("reading is what the cookie is for")
        .isEqualTo("200");
    assertThat(f.admin("GET", "/admin/overrides/alice", null).statusCode())
        .as("no override was made")
        .isEqualTo(404);
    // With the admin token typed into the page, the change goes through (in a header).
    browser.eval(
        "document.getElementById('admin-token').value = '"
            + OpsFixture.TOKEN
            + "'; document.getElementById('reload-form').requestSubmit(); 1");
    OpsFixture.await(
        "the reload's answer",
        () ->
            String.valueOf(
                    browser.evalQuietly("document.getElementById('reload-result').textContent"))
                .startsWith("reloaded"));
    assertThat(browser.eval("document.getElementById('admin-token').value")).isEmpty();

    // Signing out ends the session: the page goes to the form, and the cookie is gone.
    browser.eval("document.getElementById('sign-out').click(); 1");
    OpsFixture.await(
        "the sign-in form",
        () -> "/dashboard/sign-in".equals(browser.evalQuietly("location.pathname")));
    assertThat(browser.cookies(origin + "/dashboard").size()).isZero();
    Path form = Path.of("target", "dashboard-sign-in.png").toAbsolutePath();
    Files.write(form, browser.screenshot());

    // The form, with the viewer token: the same read-only page.
    browser.eval(
        "document.getElementById('token').value = '"
            + OpsFixture.VIEWER
            + "'; document.forms[0].submit(); 1");
    OpsFixture.await(
        "the dashboard again",
        () -> "live".equals(browser.evalQuietly("document.getElementById('state').textContent")));
    assertThat(browser.eval("location.href")).isEqualTo(origin + "/dashboard");
    assertThat(browser.evalAsync("fetch('/admin/reload', {method: 'POST'}).then(r => r.status)"))
        .isEqualTo("403");
  }

  static JsonObject only(JsonArray cookies, String name) {
    JsonObject found = null;
    for (int i = 0; i < cookies.size(); i++) {
      if (name.equals(cookies.getJsonObject(i).getString("name"))) {
        assertThat(found).as("one cookie named " + name).isNull();
        found = cookies.getJsonObject(i);
      }
    }
    assertThat(found).as("a cookie named " + name + " in " + cookies).isNotNull();
    return found;
  }
}
