package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /admin/overrides} over HTTP: a tier or limits of one's own take effect on the next request
 * through the proxy, expire, are removed, survive a restart, and bad input is refused with 400
 * naming the field.
 */
class OverridesApiTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:05Z");
  static final String POLICY =
      """
      key: header:X-Api-Key
      global: {limits: 100/minute}
      tiers:
        pro: {scale: 5}
        partner:
          limits: {search: [40/minute]}
      rules:
        - name: search
          route: GET /search
          limits: 10/minute
      """;

  @TempDir Path dir;

  OpsFixture f;

  @AfterEach
  void close() {
    f.close();
  }

  String limitOf(String key) {
    return f.get("/search", "X-Api-Key", key).headers().firstValue("X-RateLimit-Limit").orElse("");
  }

  @Test
  void tier_appliesToTheNextRequest_andDeleteRestoresTheDefaults() {
    f = OpsFixture.start(dir, POLICY, START);
    assertThat(limitOf("key-a")).isEqualTo("10");

    HttpResponse<String> put = f.admin("PUT", "/admin/overrides/key-a", "{\"tier\": \"pro\"}");

    assertThat(put.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(put.body());
    assertThat(body.getString("identity")).isEqualTo(f.fingerprint("key-a"));
    assertThat(body.getString("tier")).isEqualTo("pro");
    assertThat(body.getBoolean("active")).isTrue();
    assertThat(put.body()).doesNotContain("key-a");
    assertThat(limitOf("key-a")).as("search x5").isEqualTo("50");
    assertThat(limitOf("key-b")).as("others keep the defaults").isEqualTo("10");

    HttpResponse<String> deleted = f.admin("DELETE", "/admin/overrides/key-a", null);

    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(limitOf("key-a")).isEqualTo("10");
    assertThat(f.admin("GET", "/admin/overrides/key-a", null).statusCode()).isEqualTo(404);
    HttpResponse<String> again = f.admin("DELETE", "/admin/overrides/key-a", null);
    assertThat(again.statusCode()).isEqualTo(404);
    JsonObject error = new JsonObject(again.body()).getJsonObject("error");
    assertThat(error.getString("code")).as("a 404 names the problem").isEqualTo("NO_OVERRIDE");
    assertThat(error.getString("message")).contains(f.fingerprint("key-a"));
  }

  @Test
  void nonAsciiKeyInAHeader_isTheIdentityTheAdminApiNames() {
    f = OpsFixture.start(dir, POLICY, START);

    HttpResponse<String> put = f.admin("PUT", "/admin/overrides/caf%C3%A9", "{\"tier\": \"pro\"}");

    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(put.body()).getString("identity")).isEqualTo(f.fingerprint("café"));
    // The JDK's client writes '?' for such chars: the header's bytes go over a plain socket.
    byte[] utf8 = "café".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(rawLimitOf(utf8))
        .as("the override reaches the UTF-8 header's identity")
        .isEqualTo("50");
    byte[] latin1 = "café".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1); // E9: not UTF-8
    assertThat(rawLimitOf(latin1)).as("and the Latin-1 one's, the same text").isEqualTo("50");
    assertThat(rawLimitOf(new byte[] {'c', 'a', 'f', (byte) 0xC3}))
        .as("bytes of no encoding")
        .isEqualTo("10");
  }

  /** The limit a GET /search shows for an X-Api-Key header of exactly these bytes. */
  private String rawLimitOf(byte[] key) {
    java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
    request.writeBytes(
        "GET /search HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Api-Key: "
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    request.writeBytes(key);
    request.writeBytes("\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    RawHttp.Response response = RawHttp.exchange(f.port(), request.toByteArray());
    assertThat(response.status()).isEqualTo(200);
    return response.header("X-RateLimit-Limit");
  }

  @Test
  void tierWithLimitsOfItsOwn_replacesTheRulesLimits() {
    f = OpsFixture.start(dir, POLICY, START);

    f.admin("PUT", "/admin/overrides/key-a", "{\"tier\": \"partner\"}");

    assertThat(limitOf("key-a")).isEqualTo("40");
  }

  @Test
  void ownLimits_applyUntilTheyExpire() {
    f = OpsFixture.start(dir, POLICY, START);

    HttpResponse<String> put =
        f.admin(
            "PUT",
            "/admin/overrides/key-a",
            "{\"limits\": {\"search\": [\"3/minute\"]}, \"ttl\": \"1h\"}");

    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(put.body()).getString("expires")).isEqualTo("2030-01-01T01:00:05Z");
    assertThat(f.hit("/search", "key-a", 4)).as("3 of 4 pass under 3/minute").isEqualTo(3);

    f.ticker.advance(Duration.ofMinutes(59));
    assertThat(limitOf("key-a")).isEqualTo("3");

    f.ticker.advance(Duration.ofMinutes(1));
    assertThat(limitOf("key-a")).as("expired: the defaults again").isEqualTo("10");
    JsonObject after = f.adminJson("GET", "/admin/overrides/key-a", null);
    assertThat(after.getBoolean("active")).isFalse();
    assertThat(after.getString("problem")).isEqualTo("expired");
  }

  @Test
  void expires_takesAnInstant() {
    f = OpsFixture.start(dir, POLICY, START);

    f.admin(
        "PUT",
        "/admin/overrides/key-a",
        "{\"tier\": \"pro\", \"expires\": \"2030-01-01T00:10:00Z\"}");
    assertThat(limitOf("key-a")).isEqualTo("50");

    f.ticker.set(Instant.parse("2030-01-01T00:10:00Z"));
    assertThat(limitOf("key-a")).isEqualTo("10");
  }

  @Test
  void identities_byRawValueUrlEncoded_orByFingerprint() {
    f = OpsFixture.start(dir, POLICY, START);
    String email = "a+b/c@example.com";
    String fp = f.fingerprint(email);

    f.admin("PUT", "/admin/overrides/a%2Bb%2Fc%40example.com", "{\"tier\": \"pro\"}");
    JsonObject byFp = f.adminJson("GET", "/admin/overrides/fp:" + fp, null);

    assertThat(byFp.getString("identity")).isEqualTo(fp);
    assertThat(byFp.getString("tier")).isEqualTo("pro");
    assertThat(limitOf(email)).isEqualTo("50");
    assertThat(f.admin("GET", "/admin/overrides", null).body())
        .contains(fp)
        .doesNotContain("example.com");

    f.admin("DELETE", "/admin/overrides/fp:" + fp, null);
    assertThat(limitOf(email)).isEqualTo("10");
  }

  @Test
  void restart_keepsFingerprintsAndOverrides() throws Exception {
    f = OpsFixture.start(dir, POLICY, START);
    String fp = f.fingerprint("key-a");
    f.admin("PUT", "/admin/overrides/key-a", "{\"tier\": \"pro\"}");
    f.admin("PUT", "/admin/overrides/key-b", "{\"limits\": {\"search\": \"2/minute\"}}");

    f.restart();

    assertThat(f.fingerprint("key-a")).as("the identity key is kept").isEqualTo(fp);
    assertThat(f.adminJson("GET", "/admin/overrides", null).getJsonArray("overrides")).hasSize(2);
    assertThat(limitOf("key-a")).isEqualTo("50");
    assertThat(limitOf("key-b")).isEqualTo("2");
    Path state = f.stateDir;
    assertThat(Files.readString(state.resolve("overrides.json")))
        .contains(fp)
        .doesNotContain("key-a");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(state.resolve("identity.key"))))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(state.resolve("overrides.json"))))
        .isEqualTo("rw-------");

    f.admin("DELETE", "/admin/overrides/key-a", null);
    f.restart();
    assertThat(limitOf("key-a")).isEqualTo("10");
    assertThat(limitOf("key-b")).isEqualTo("2");
  }

  @Test
  void reload_keepsOverridesInForce() throws Exception {
    f = OpsFixture.start(dir, POLICY, START);
    f.admin("PUT", "/admin/overrides/key-a", "{\"tier\": \"pro\"}");

    Files.writeString(f.policyFile, POLICY.replace("10/minute", "20/minute"));
    assertThat(f.admin("POST", "/admin/reload", null).statusCode()).isEqualTo(200);

    assertThat(limitOf("key-a")).isEqualTo("100");
    assertThat(limitOf("key-b")).isEqualTo("20");
  }

  @Test
  void badInput_is400NamingTheField() {
    f = OpsFixture.start(dir, POLICY, START);

    assertBad("{\"tier\": \"gold\"}", "tier", "no tier 'gold'; its tiers are pro, partner");
    assertBad(
        "{\"limits\": {\"search\": [\"5/minuet\"]}}",
        "limits.search[0]",
        "unknown window 'minuet'");
    assertBad("{\"limits\": {\"serch\": [\"5/minute\"]}}", "limits.serch", "no rule 'serch'");
    assertBad("{\"limits\": {\"search\": 5}}", "limits.search", "no window");
    assertBad("{\"limits\": [\"5/minute\"]}", "limits", "by rule name");
    assertBad("{\"tier\": \"pro\", \"expires\": \"tomorrow\"}", "expires", "2026-12-31T00:00:00Z");
    assertBad("{\"tier\": \"pro\", \"expires\": \"2020-01-01T00:00:00Z\"}", "expires", "past");
    assertBad("{\"tier\": \"pro\", \"ttl\": \"soon\"}", "ttl", "7d");
    assertBad("{\"tier\": \"pro\", \"ttl\": \"999999999999w\"}", "ttl", "too long");
    assertBad("{\"tier\": \"pro\", \"ttl\": \"99999999999999999999d\"}", "ttl", "7d");
    assertBad(
        "{\"tier\": \"pro\", \"expires\": \"+1000000000-12-31T23:59:59Z\"}",
        "expires",
        "too far away");
    assertBad(
        "{\"tier\": \"pro\", \"ttl\": \"1h\", \"expires\": \"2031-01-01T00:00:00Z\"}",
        "ttl",
        "not both");
    assertBad("{\"tier\": \"pro\", \"teir\": 1}", "teir", "unknown field");
    assertBad("{}", "tier", "sets a tier, limits for some rules, or both");
    assertBad("not json", "", "not a JSON object");
    assertThat(f.admin("GET", "/admin/overrides", null).body()).isEqualTo("{\"overrides\":[]}");
    assertThat(limitOf("key-a")).isEqualTo("10");
  }

  private void assertBad(String body, String field, String message) {
    HttpResponse<String> r = f.admin("PUT", "/admin/overrides/key-a", body);
    assertThat(r.statusCode()).as(body).isEqualTo(400);
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("BAD_OVERRIDE");
    assertThat(error.getString("field")).as(body).isEqualTo(field);
    assertThat(error.getString("message")).as(body).contains(message);
  }
}
