package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.server.ops.AdminToken;
import dev.sluice.server.ops.Operations;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The dashboard's sign-in and the read-only credentials over real HTTP: the cookie's flags, the
 * form, expiry on the gateway's clock, signing out, the viewer token, and that neither the cookie
 * nor the viewer token can make a change.
 */
class DashboardAccessTest {
  @TempDir java.nio.file.Path dir;

  OpsFixture f;

  @BeforeEach
  void start() {
    f =
        OpsFixture.start(
            dir,
            "key: header:X-Api-Key\ntiers: {pro: {scale: 10}}\nglobal: {limits: 5/minute}\n",
            Instant.parse("2030-01-01T00:00:05Z"),
            Map.of(),
            b -> b.viewerToken(AdminToken.of(OpsFixture.VIEWER)));
  }

  @AfterEach
  void stop() {
    f.close();
  }

  HttpResponse<String> send(String method, String path, String body, String... headers) {
    return f.send(
        GatewayFixture.withHeaders(
            HttpRequest.newBuilder(f.admin(path))
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)),
            headers));
  }

  /** Signs in with the link; the {@code name=value} of the session cookie. */
  String signIn(String token) {
    HttpResponse<String> r = send("GET", "/dashboard?token=" + token, null);
    assertThat(r.statusCode()).isEqualTo(303);
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  @Test
  void signInLink_setsAnHttpOnlyLaxCookie_andRedirectsWithoutTheToken() {
    HttpResponse<String> r = send("GET", "/dashboard?token=" + OpsFixture.TOKEN, null);

    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).hasValue("/dashboard");
    assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie)
        .startsWith("sluice_session=")
        .contains("; Path=/")
        .contains("; Max-Age=43200")
        .contains("; HTTPOnly")
        .contains("; SameSite=Lax")
        .doesNotContain("Secure")
        .doesNotContain(OpsFixture.TOKEN);
    assertThat(cookie.substring(15, cookie.indexOf(';'))).hasSize(43); // 32 random bytes
  }

  @Test
  void signInForm_takesTheTokenInItsBody_andRefusesAWrongOne() {
    HttpResponse<String> form = send("GET", "/dashboard/sign-in", null);
    HttpResponse<String> wrong =
        send(
            "POST",
            "/dashboard/sign-in",
            "token=wrong-token-0123456789",
            "Content-Type",
            "application/x-www-form-urlencoded");
    HttpResponse<String> right =
        send(
            "POST",
            "/dashboard/sign-in",
            "token=" + OpsFixture.VIEWER,
            "Content-Type",
            "application/x-www-form-urlencoded");
    HttpResponse<String> broken =
        send("POST", "/dashboard/sign-in", "token=%zz", "Content-Type", "text/plain");

    assertThat(form.statusCode()).isEqualTo(200);
    assertThat(form.body()).contains("<form method=\"post\" action=\"/dashboard/sign-in\"");
    assertThat(form.headers().firstValue("Content-Security-Policy").orElse(""))
        .contains("default-src 'none'")
        .contains("form-action 'self'");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("That token is not accepted.");
    assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(right.statusCode()).isEqualTo(303);
    assertThat(right.headers().firstValue("Location")).hasValue("/dashboard");
    assertThat(right.headers().firstValue("Set-Cookie").orElse("")).startsWith("sluice_session=");
    assertThat(broken.statusCode()).isEqualTo(401);
  }

  @Test
  void signInFromAnotherSite_isRefused() {
    HttpResponse<String> r =
        send(
            "POST",
            "/dashboard/sign-in",
            "token=" + OpsFixture.TOKEN,
            "Origin",
            "https://evil.example");

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code"))
        .isEqualTo("CROSS_SITE");
    assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
  }

  @Test
  void aWrongTokenInTheLink_goesToTheFormWithoutTheToken() {
    HttpResponse<String> r = send("GET", "/dashboard?token=wrong-token-0123456789", null);

    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).hasValue("/dashboard/sign-in?refused");
    assertThat(send("GET", "/dashboard/sign-in?refused", null).statusCode()).isEqualTo(401);
  }

  @Test
  void aLinkWhoseTokenIsNotUtf8_goesToTheForm_neverAnError() {
    HttpResponse<String> r = send("GET", "/dashboard?token=%ff%fe", null);

    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).hasValue("/dashboard/sign-in?refused");
  }

  @Test
  void theCookie_readsThePageAndTheApi() {
    String cookie = signIn(OpsFixture.TOKEN);

    assertThat(send("GET", "/dashboard", null, "Cookie", cookie).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/admin/stats", null, "Cookie", cookie).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/admin/usage/report", null, "Cookie", cookie).statusCode())
        .isEqualTo(200);
    assertThat(send("GET", "/admin/audit", null, "Cookie", cookie).statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @CsvSource({
    "PUT, /admin/overrides/key-a",
    "DELETE, /admin/overrides/key-a",
    "POST, /admin/reload",
  })
  void theCookieAlone_cannotMakeAChange(String method, String path) {
    String cookie = signIn(OpsFixture.TOKEN); // even signed in with the admin token

    HttpResponse<String> r = send(method, path, "{\"tier\": \"pro\"}", "Cookie", cookie);

    assertThat(r.statusCode()).isEqualTo(403);
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("READ_ONLY");
    assertThat(error.getString("message"))
        .contains("the sign-in cookie reads only")
        .contains("Authorization: Bearer <admin token>");
    assertThat(f.admin("GET", "/admin/overrides/key-a", null).statusCode()).isEqualTo(404);
    JsonObject refused =
        f.adminJson("GET", "/admin/audit?limit=1", null).getJsonArray("entries").getJsonObject(0);
    assertThat(refused.getString("action")).isEqualTo("refused");
    assertThat(refused.getString("by")).isEqualTo("session");
    assertThat(refused.getString("after")).isEqualTo(method + " " + path);
  }

  @Test
  void theViewerToken_readsEverything_andEveryChangeIs403() {
    String bearer = "Bearer " + OpsFixture.VIEWER;
    for (String path :
        new String[] {
          "/admin/overrides",
          "/admin/usage?key=k",
          "/admin/usage/top",
          "/admin/usage/report",
          "/admin/stats",
          "/admin/audit"
        }) {
      assertThat(send("GET", path, null, "Authorization", bearer).statusCode())
          .as(path)
          .isEqualTo(200);
    }
    HttpResponse<String> put =
        send("PUT", "/admin/overrides/key-a", "{\"tier\": \"pro\"}", "Authorization", bearer);
    HttpResponse<String> reload = send("POST", "/admin/reload", null, "Authorization", bearer);

    assertThat(put.statusCode()).isEqualTo(403);
    assertThat(put.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(new JsonObject(put.body()).getJsonObject("error").getString("message"))
        .startsWith("the viewer token reads only: PUT /admin/overrides/key-a is a change");
    assertThat(reload.statusCode()).isEqualTo(403);
    assertThat(f.admin("GET", "/admin/overrides/key-a", null).statusCode()).isEqualTo(404);
    assertThat(
            f.adminJson("GET", "/admin/audit?limit=1", null)
                .getJsonArray("entries")
                .getJsonObject(0)
                .getString("by"))
        .isEqualTo("viewer");
  }

  @Test
  void anExpiredSession_sendsTheBrowserBackToTheForm_andTheApiAnswers401() {
    String cookie = signIn(OpsFixture.VIEWER);
    f.ticker.advance(Duration.ofHours(12).minusSeconds(1));
    assertThat(send("GET", "/admin/stats", null, "Cookie", cookie).statusCode()).isEqualTo(200);
    f.ticker.advance(Duration.ofSeconds(1));

    HttpResponse<String> page = send("GET", "/dashboard", null, "Cookie", cookie);
    HttpResponse<String> api = send("GET", "/admin/stats", null, "Cookie", cookie);

    assertThat(page.statusCode()).isEqualTo(303);
    assertThat(page.headers().firstValue("Location")).hasValue("/dashboard/sign-in?expired");
    assertThat(page.headers().firstValue("Set-Cookie").orElse(""))
        .as("the stale cookie is cleared")
        .startsWith("sluice_session=;")
        .contains("Max-Age=0");
    assertThat(api.statusCode()).isEqualTo(401);
    assertThat(api.headers().firstValue("Content-Type")).hasValue("application/json");
  }

  @Test
  void signingOut_endsTheSession_evenForACopyOfTheCookie() {
    String cookie = signIn(OpsFixture.TOKEN);

    HttpResponse<String> out = send("POST", "/dashboard/sign-out", null, "Cookie", cookie);

    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(out.headers().firstValue("Location")).hasValue("/dashboard/sign-in");
    assertThat(send("GET", "/admin/stats", null, "Cookie", cookie).statusCode()).isEqualTo(401);
    assertThat(send("GET", "/dashboard/sign-out", null, "Cookie", cookie).statusCode())
        .isEqualTo(405);
  }

  @ParameterizedTest
  @CsvSource({
    "sluice_session=",
    "sluice_session=not-a-session",
    "sluice_session=%zz%%;;",
    "other=1",
  })
  void aGarbageCookie_isNoSession_neverAnError(String cookie) {
    HttpResponse<String> page = send("GET", "/dashboard", null, "Cookie", cookie);
    HttpResponse<String> api = send("GET", "/admin/overrides", null, "Cookie", cookie);

    assertThat(page.statusCode()).isEqualTo(303);
    assertThat(api.statusCode()).isEqualTo(401);
  }

  @Test
  void aViewerTokenThatIsTheAdminToken_isRefusedAtStart() {
    assertThatThrownBy(
            () ->
                Operations.builder(f.engines::current, f.engines.overrides())
                    .token(AdminToken.of(OpsFixture.TOKEN))
                    .viewerToken(AdminToken.of(OpsFixture.TOKEN))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the viewer token is the admin token");
  }
}
