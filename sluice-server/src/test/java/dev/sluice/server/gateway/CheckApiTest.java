package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code POST /v1/check}, the decision service: the IPTO table decided over HTTP for a caller that
 * enforces it itself, counting exactly as the proxy does; and clear 400s for bad checks.
 */
class CheckApiTest {
  final GatewayFixture f = GatewayFixture.example("ipto.yaml", ProxyIptoTest.START);

  @TempDir java.nio.file.Path dir;

  @AfterEach
  void close() {
    f.close();
  }

  static java.util.stream.Stream<ProxyIptoTest.Row> rows() {
    return ProxyIptoTest.rows();
  }

  static String describe(ProxyIptoTest.Row row, String who) {
    JsonObject check =
        new JsonObject()
            .put("method", row.method())
            .put("path", row.path())
            .put("client_address", "203.0.113.7");
    if (row.per().field != null) {
      check.put("body", new JsonObject().put(row.per().field, who + "@example.com"));
    } else {
      check.put("headers", new JsonObject().put("Authorization", "Bearer token-" + who));
    }
    return check.encode();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void endpointLimit_isDecidedExactlyAsTheProxyWouldAnswer(ProxyIptoTest.Row row) {
    String reset = Long.toString(row.resetAt().getEpochSecond());
    for (int i = 1; i <= row.limit(); i++) {
      HttpResponse<String> r = f.check(describe(row, "alice"));
      assertThat(r.statusCode()).isEqualTo(200);
      JsonObject d = new JsonObject(r.body());
      assertThat(d.getBoolean("allowed")).as("request %d", i).isTrue();
      assertThat(d.getInteger("status")).isEqualTo(200);
      Map<String, String> expected =
          Map.of(
              "X-RateLimit-Limit",
              Integer.toString(row.limit()),
              "X-RateLimit-Remaining",
              Integer.toString(row.limit() - i),
              "X-RateLimit-Reset",
              reset);
      assertThat(GatewayFixture.rateHeaders(r)).isEqualTo(expected);
      assertThat(d.getJsonObject("headers").getMap()).isEqualTo(expected);
    }

    HttpResponse<String> r = f.check(describe(row, "alice"));

    String retryAfter = Long.toString(row.retryAfter());
    JsonObject denied = new JsonObject(r.body());
    assertThat(r.statusCode()).as("the check itself succeeded").isEqualTo(200);
    assertThat(denied.getBoolean("allowed")).isFalse();
    assertThat(denied.getString("outcome")).isEqualTo("denied");
    assertThat(denied.getInteger("status")).isEqualTo(429);
    assertThat(denied.getLong("retry_after")).isEqualTo(row.retryAfter());
    assertThat(GatewayFixture.rateHeaders(r))
        .containsEntry("Retry-After", retryAfter)
        .containsEntry("X-RateLimit-Remaining", "0");
    assertThat(denied.getJsonObject("response").getString("body"))
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": " + retryAfter + "}");
    assertThat(denied.getJsonObject("response").getString("content_type"))
        .isEqualTo("application/json");
    assertThat(denied.getJsonArray("limits").stream().map(o -> ((JsonObject) o).getString("name")))
        .contains(row.rule());
    assertThat(f.upstream.received).as("the decision service forwards nothing").isEmpty();
  }

  @Test
  void checksAndProxiedRequests_shareTheSameBuckets() {
    f.post("/auth/magic-link", "{\"email\": \"alice@example.com\"}");
    f.post("/auth/magic-link", "{\"email\": \"alice@example.com\"}");

    JsonObject d =
        new JsonObject(
            f.check(
                    "{\"method\": \"POST\", \"path\": \"/auth/magic-link\", \"client_address\":"
                        + " \"127.0.0.1\", \"body\": {\"email\": \"alice@example.com\"}}")
                .body());

    assertThat(d.getJsonObject("headers").getString("X-RateLimit-Remaining")).isEqualTo("0");
    assertThat(f.post("/auth/magic-link", "{\"email\": \"alice@example.com\"}").statusCode())
        .isEqualTo(429);
  }

  /**
   * Issue 16 through the decision service: after three magic links for one e-mail, every spelling
   * of a fourth is answered "deny" (429) or refused (400), never "allow".
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.sluice.server.gateway.PathVariants#magicLink")
  void fourthMagicLink_inAnySpelling_isDeniedOrRefused(String method, String path) {
    GatewayFixture g =
        GatewayFixture.policy(dir, PathVariants.iptoCaseInsensitive(), ProxyIptoTest.START);
    try {
      String body =
          ", \"client_address\": \"203.0.113.7\", \"body\": {\"email\": \"a@example.com\"}}";
      for (int i = 0; i < 3; i++) {
        JsonObject d =
            new JsonObject(
                g.check("{\"method\": \"POST\", \"path\": \"/auth/magic-link\"" + body).body());
        assertThat(d.getBoolean("allowed")).isTrue();
      }

      HttpResponse<String> r =
          g.check(
              new JsonObject()
                  .put("method", method)
                  .put("path", path)
                  .put("client_address", "203.0.113.7")
                  .put("body", new JsonObject().put("email", "a@example.com"))
                  .encode());

      if (r.statusCode() == 400) {
        assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code"))
            .isEqualTo("BAD_CHECK");
      } else {
        JsonObject d = new JsonObject(r.body());
        assertThat(d.getBoolean("allowed")).as("%s %s", method, path).isFalse();
        assertThat(d.getInteger("status")).isIn(429, 400);
      }
    } finally {
      g.close();
    }
  }

  @Test
  void describedBodyGivingAKeyTwice_is400() {
    HttpResponse<String> r =
        f.check(
            "{\"method\": \"POST\", \"path\": \"/auth/magic-link\","
                + " \"body\": {\"email\": \"a@example.com\", \"email\": \"b@example.com\"}}");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message"))
        .contains("'body.email' twice");
  }

  @Test
  void headCheck_isCountedWithGet() {
    String check =
        "{\"method\": \"%s\", \"path\": \"/microip/search\", \"client_address\":"
            + " \"203.0.113.7\"}";
    for (int i = 0; i < 50; i++) {
      assertThat(new JsonObject(f.check(check.formatted("HEAD")).body()).getBoolean("allowed"))
          .isTrue();
    }

    assertThat(new JsonObject(f.check(check.formatted("head")).body()).getInteger("status"))
        .isEqualTo(429);
    assertThat(new JsonObject(f.check(check.formatted("GET")).body()).getInteger("status"))
        .isEqualTo(429);
  }

  @Test
  void cost_replacesTheRulesCost() {
    JsonObject d =
        new JsonObject(
            f.check(
                    "{\"method\": \"GET\", \"path\": \"/profile\","
                        + " \"client_address\": \"203.0.113.9\", \"cost\": 40}")
                .body());

    assertThat(d.getJsonObject("headers").getString("X-RateLimit-Remaining")).isEqualTo("60");
  }

  @Test
  void queryInThePathAndTheQueryField_areBothRead() {
    JsonObject d =
        new JsonObject(
            f.check(
                    "{\"method\": \"GET\", \"path\": \"/assets?x=1\","
                        + " \"query\": {\"page\": \"2\"}, \"client_address\": \"203.0.113.9\"}")
                .body());
    assertThat(d.getBoolean("allowed")).isTrue();
  }

  @Test
  void missingIdentity_saysStatus400AndGivesTheBodyToSend() {
    JsonObject d =
        new JsonObject(
            f.check(
                    "{\"method\": \"POST\", \"path\": \"/auth/magic-link\", \"client_address\":"
                        + " \"::1\", \"body\": {}}")
                .body());

    assertThat(d.getString("outcome")).isEqualTo("invalid");
    assertThat(d.getInteger("status")).isEqualTo(400);
    assertThat(d.getString("problem"))
        .isEqualTo(
            "rule 'magic-link' counts requests per body field email, and this request has none");
    assertThat(
            new JsonObject(d.getJsonObject("response").getString("body"))
                .getJsonObject("error")
                .getString("code"))
        .isEqualTo("INVALID_REQUEST");
  }

  @Test
  void requestNoRuleCovers_isUnlimitedWithoutHeaders() {
    GatewayFixture g =
        GatewayFixture.policy(
            dir, "rules: [{route: GET /only, key: ip, limits: 1/minute}]\n", ProxyIptoTest.START);
    try {
      HttpResponse<String> r = g.check("{\"method\": \"GET\", \"path\": \"/elsewhere\"}");
      JsonObject d = new JsonObject(r.body());
      assertThat(d.getString("outcome")).isEqualTo("unlimited");
      assertThat(d.getBoolean("allowed")).isTrue();
      assertThat(GatewayFixture.rateHeaders(r)).isEmpty();
    } finally {
      g.close();
    }
  }

  @Test
  void badChecks_are400WithTheFieldNamed() {
    assertBad("not json", "", "the body is not valid JSON");
    assertBad("[1, 2]", "", "the body must be a JSON object");
    assertBad("{\"path\": \"/x\"}", "method", "'method' is required");
    assertBad("{\"method\": \"G(T\", \"path\": \"/x\"}", "method", "'G(T' is not an HTTP method");
    assertBad("{\"method\": \"GET\"}", "path", "'path' is required");
    assertBad(
        "{\"method\": \"GET\", \"path\": \"x\"}",
        "path",
        "the path must be an absolute path starting with '/'");
    assertBad("{\"method\": \"GET\", \"path\": \"/x\", \"cost\": -1}", "cost", "cost must be");
    assertBad("{\"method\": \"GET\", \"path\": \"/x\", \"cost\": 1.5}", "cost", "cost must be");
    assertBad(
        "{\"method\": \"GET\", \"path\": \"/x\", \"headers\": []}",
        "headers",
        "'headers' must be a JSON object");
    assertBad(
        "{\"method\": \"GET\", \"path\": \"/x\", \"headers\": {\"A\": 1}}",
        "headers.A",
        "header values must be strings");
    assertBad(
        "{\"method\": \"GET\", \"path\": \"/x\", \"bodyy\": {}}", "bodyy", "unknown field 'bodyy'");
  }

  private void assertBad(String json, String field, String messageStart) {
    HttpResponse<String> r = f.check(json);
    assertThat(r.statusCode()).as(json).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("BAD_CHECK");
    assertThat(error.getString("message")).as(json).startsWith(messageStart);
    if (!field.isEmpty()) {
      assertThat(error.getString("field")).isEqualTo(field);
    }
  }
}
