package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Everything under /admin and /dashboard needs the admin token, and /v1/check a token; health and
 * metrics do not.
 */
class AdminSecurityTest {
  @TempDir Path dir;

  OpsFixture f;

  @BeforeEach
  void start() {
    f =
        OpsFixture.start(
            dir,
            "key: header:X-Api-Key\nglobal: {limits: 5/minute}\n",
            Instant.parse("2030-01-01T00:00:05Z"));
  }

  @AfterEach
  void close() {
    f.close();
  }

  HttpResponse<String> send(String method, String path, String authorization) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(f.admin(path))
            .method(
                method,
                method.equals("PUT") || method.equals("POST")
                    ? HttpRequest.BodyPublishers.ofString("{\"tier\": \"x\"}")
                    : HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return f.send(b);
  }

  @ParameterizedTest
  @CsvSource({
    "GET, /admin/overrides",
    "GET, /admin/overrides/key-a",
    "PUT, /admin/overrides/key-a",
    "DELETE, /admin/overrides/key-a",
    "GET, /admin/usage?key=key-a",
    "GET, /admin/usage/top",
    "GET, /admin/usage/report",
    "GET, /admin/stats",
    "POST, /admin/reload",
    "GET, /admin/nothing-here",
    "GET, /admin/audit",
  })
  void withoutTheToken_401(String method, String path) {
    for (String auth :
        new String[] {
          null,
          "Bearer wrong-token-0123456789",
          "Bearer",
          "Basic " + OpsFixture.TOKEN,
          OpsFixture.TOKEN
        }) {
      HttpResponse<String> r = send(method, path, auth);

      assertThat(r.statusCode()).as(method + " " + path + " with " + auth).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate"))
          .hasValue("Bearer realm=\"sluice-admin\"");
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code"))
          .isEqualTo("UNAUTHORIZED");
    }
    assertThat(send(method, path, "Bearer " + OpsFixture.TOKEN).statusCode()).isNotEqualTo(401);
    assertThat(send(method, path, "bearer " + OpsFixture.TOKEN).statusCode())
        .as("the scheme is case-insensitive")
        .isNotEqualTo(401);
  }

  @Test
  void dashboardLink_signsInAndRedirects_theApiTakesNoTokenInItsQuery() {
    HttpResponse<String> link =
        f.send(HttpRequest.newBuilder(f.admin("/dashboard?token=" + OpsFixture.TOKEN)));
    String cookie = link.headers().firstValue("Set-Cookie").orElseThrow();
    HttpResponse<String> page =
        f.send(
            HttpRequest.newBuilder(f.admin("/dashboard"))
                .header("Cookie", cookie.substring(0, cookie.indexOf(';'))));

    assertThat(link.statusCode()).isEqualTo(303);
    assertThat(link.headers().firstValue("Location")).hasValue("/dashboard");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
        .contains("default-src 'none'")
        .contains("connect-src 'self'");
    assertThat(page.body())
        .contains("<canvas id=\"chart\"")
        .contains("fetch('/admin/stats'")
        .doesNotContain("<script src=")
        .doesNotContain("http://")
        .doesNotContain("https://");
    assertThat(send("GET", "/admin/stats?token=" + OpsFixture.TOKEN, null).statusCode())
        .isEqualTo(401);
  }

  @Test
  void healthAndMetrics_stayOpen() {
    assertThat(send("GET", "/healthz", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/readyz", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/metrics", null).statusCode()).isEqualTo(200);
  }

  HttpResponse<String> check(String authorization) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(f.admin("/v1/check"))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"method\": \"GET\", \"path\": \"/x\","
                        + " \"headers\": {\"X-Api-Key\": \"k\"}}"));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return f.send(b);
  }

  @Test
  void aCheck_withoutAToken_isRefusedWith401AndChargesNothing() {
    HttpResponse<String> r = check(null);
    HttpResponse<String> wrong = check("Bearer not-the-token-0123456789");

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code"))
        .isEqualTo("UNAUTHORIZED");
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message"))
        .contains("/v1/check needs a token");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(f.get("/x", "X-Api-Key", "k").headers().firstValue("X-RateLimit-Remaining"))
        .as("nothing was charged")
        .hasValue("4");
  }

  @Test
  void aCheck_withTheAdminToken_isAnswered() {
    HttpResponse<String> r = check("Bearer " + OpsFixture.TOKEN);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getBoolean("allowed")).isTrue();
  }
}
