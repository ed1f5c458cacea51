package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rules counted per a JSON body field: a body over the cap is a 413; a body without a usable field
 * (malformed, not an object, field missing, null or not a scalar) falls back to the next key when
 * the rule has one, else is a 400 naming the field; the body always reaches the upstream as sent.
 */
class BodyKeyTest {
  static final Instant START = Instant.parse("2025-03-03T09:00:15Z");
  static final int MAX_BODY = 1024;
  static final String POLICY =
      """
      key: ip
      global:
        limits: 10_000/minute
      rules:
        - name: with-fallback
          route: POST /fallback
          key: [body:email, ip]
          limits: 2/minute
        - name: strict
          route: POST /strict
          key: body:email
          limits: 2/minute
        - name: nested
          route: POST /nested
          key: body:user.email
          limits: 2/minute
      """;

  @TempDir Path dir;
  GatewayFixture f;

  @BeforeEach
  void start() {
    f = GatewayFixture.policy(dir, POLICY, START, java.time.Duration.ofSeconds(10), MAX_BODY);
  }

  @AfterEach
  void close() {
    f.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/fallback", "/strict", "/nested"})
  void bodyOverTheCap_is413Json_andNeverForwarded(String path) {
    String big = "{\"email\": \"a@example.com\", \"pad\": \"" + "x".repeat(MAX_BODY) + "\"}";

    HttpResponse<String> r = json(path, big);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(errorCode(r)).isEqualTo("BODY_TOO_LARGE");
    assertThat(f.upstream.received).isEmpty();
  }

  @Test
  void chunkedBodyOverTheCap_is413Json() {
    String chunk = "x".repeat(600);
    RawHttp.Response r =
        RawHttp.exchange(
            f.gateway.port(),
            "POST /strict HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "258\r\n"
                + chunk
                + "\r\n258\r\n"
                + chunk
                + "\r\n0\r\n\r\n");

    assertThat(r.status()).isEqualTo(413);
    assertThat(r.jsonError().getString("code")).isEqualTo("BODY_TOO_LARGE");
    assertThat(f.upstream.received).isEmpty();
  }

  @Test
  void bodyOfExactlyTheCap_isRead() {
    String head = "{\"email\": \"a@example.com\", \"pad\": \"";
    String body = head + "x".repeat(MAX_BODY - head.length() - 2) + "\"}";
    assertThat(body).hasSize(MAX_BODY);

    HttpResponse<String> r = json("/strict", body);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(f.upstream.received.get(0).body().toString(StandardCharsets.UTF_8)).isEqualTo(body);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"email\": ",
        "not json",
        "[{\"email\": \"a@example.com\"}]",
        "\"a@example.com\"",
        "42",
        "{}",
        "{\"mail\": \"a@example.com\"}",
        "{\"email\": null}",
        "{\"email\": {\"address\": \"a@example.com\"}}",
        "{\"email\": [\"a@example.com\"]}",
        ""
      })
  void noUsableField_withAFallback_isCountedPerIp(String body) {
    for (int i = 1; i <= 2; i++) {
      HttpResponse<String> r = json("/fallback", body);
      assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(2 - i));
    }
    assertThat(json("/fallback", body).statusCode()).as("the IP's count is spent").isEqualTo(429);
    assertThat(json("/fallback", "{\"email\": \"a@example.com\"}").statusCode())
        .as("a request with the field is counted apart")
        .isEqualTo(200);
    assertThat(f.upstream.received).hasSize(3);
    assertThat(f.upstream.received.get(0).body().toString(StandardCharsets.UTF_8))
        .as("forwarded as sent")
        .isEqualTo(body);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"email\": ",
        "not json",
        "[{\"email\": \"a@example.com\"}]",
        "\"a@example.com\"",
        "{}",
        "{\"mail\": \"a@example.com\"}",
        "{\"email\": null}",
        "{\"email\": {\"address\": \"a@example.com\"}}",
        "{\"email\": [\"a@example.com\"]}",
        ""
      })
  void noUsableField_withoutAFallback_is400NamingTheField(String body) {
    HttpResponse<String> r = json("/strict", body);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorCode(r)).isEqualTo("INVALID_REQUEST");
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message"))
        .isEqualTo("rule 'strict' counts requests per body field email, and this request has none");
    assertThat(f.upstream.received).isEmpty();
  }

  @Test
  void scalarFields_areIdentities() {
    for (String body : new String[] {"{\"email\": 42}", "{\"email\": true}"}) {
      assertThat(json("/strict", body).statusCode()).as(body).isEqualTo(200);
    }
    assertThat(json("/strict", "{\"email\": 42}").statusCode()).isEqualTo(200);
    assertThat(json("/strict", "{\"email\": 42}").statusCode()).isEqualTo(429);
  }

  @Test
  void strictKey_countsEachAddressApart() {
    String alice = "{\"email\": \"alice@example.com\"}";
    assertThat(json("/strict", alice).statusCode()).isEqualTo(200);
    assertThat(json("/strict", alice).statusCode()).isEqualTo(200);
    assertThat(json("/strict", alice).statusCode()).isEqualTo(429);
    assertThat(json("/strict", "{\"email\": \"bob@example.com\"}").statusCode()).isEqualTo(200);
  }

  @Test
  void nestedField_isTheIdentity() {
    String alice = "{\"user\": {\"email\": \"alice@example.com\", \"name\": \"A\"}}";
    assertThat(json("/nested", alice).statusCode()).isEqualTo(200);
    assertThat(json("/nested", alice).statusCode()).isEqualTo(200);
    assertThat(json("/nested", alice).statusCode()).isEqualTo(429);
    assertThat(json("/nested", "{\"user\": {\"email\": \"bob@example.com\"}}").statusCode())
        .isEqualTo(200);

    for (String missing :
        new String[] {
          "{\"user\": \"alice@example.com\"}",
          "{\"user.email\": \"alice@example.com\"}",
          "{\"email\": \"alice@example.com\"}",
          "{\"user\": {\"email\": {\"x\": 1}}}",
          "{\"user\": null}"
        }) {
      HttpResponse<String> r = json("/nested", missing);
      assertThat(r.statusCode()).as(missing).isEqualTo(400);
      assertThat(r.body()).as(missing).contains("user.email");
    }
  }

  @Test
  void allowedBody_reachesTheUpstreamByteForByte() {
    String body =
        "{ \"email\" : \"j\u00fcrgen@exampl\u00e9.com\",\n\t\"note\": \"caf\u00e9 \u2615 "
            + "\ud83d\ude00 \\u00e9\", \"n\": 1.50e3 }";

    HttpResponse<String> r = json("/strict", body);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(f.upstream.received.get(0).body().getBytes())
        .isEqualTo(body.getBytes(StandardCharsets.UTF_8));
    assertThat(f.upstream.received.get(0).headers().get("Content-Length"))
        .isEqualTo(Integer.toString(body.getBytes(StandardCharsets.UTF_8).length));
  }

  @Test
  void nonUtf8Body_onAFallbackRule_isCountedPerIpAndForwardedByteForByte() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes("{\"email\": \"".getBytes(StandardCharsets.US_ASCII));
    b.write(0xe9); // Latin-1 é, not UTF-8
    b.writeBytes("@example.com\"}".getBytes(StandardCharsets.US_ASCII));
    byte[] body = b.toByteArray();

    HttpResponse<String> r =
        f.send(
            HttpRequest.newBuilder(f.proxy("/fallback"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(f.upstream.received.get(0).body().getBytes()).isEqualTo(body);
  }

  @Test
  void chunkedBodyUnderTheCap_isReadAndForwardedIntact() {
    RawHttp.Response r =
        RawHttp.exchange(
            f.gateway.port(),
            "POST /strict HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "a\r\n{\"email\": \r\n10\r\n\"a@example.com\"}\r\n0\r\n\r\n");

    assertThat(r.status()).isEqualTo(200);
    assertThat(f.upstream.received.get(0).body().toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"email\": \"a@example.com\"}");
  }

  @Test
  void routeWithoutABodyKey_isNotCapped() {
    String big = "{\"pad\": \"" + "x".repeat(10 * MAX_BODY) + "\"}";

    HttpResponse<String> r = json("/elsewhere", big);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(f.upstream.received.get(0).body().toString(StandardCharsets.UTF_8)).isEqualTo(big);
  }

  private HttpResponse<String> json(String path, String body) {
    return f.post(path, body, "Content-Type", "application/json");
  }

  private static String errorCode(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    return new JsonObject(r.body()).getJsonObject("error").getString("code");
  }
}
