package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whatever a client sends, the gateway answers a 4xx with a JSON error (never a stack trace, never
 * a 5xx) and goes on serving: malformed and oversized requests written over raw sockets, paths that
 * could dodge a rule, invalid UTF-8; and the admin port's answers to wrong calls.
 */
class BadInputTest {
  static final Instant START = Instant.parse("2025-03-03T09:00:15Z");
  static final String POLICY =
      """
      key: ip
      global:
        limits: 10_000/minute
      rules:
        - name: search
          route: GET /search
          key: query:api_key
          limits: 100/minute
        - name: login
          route: POST /login
          key: body:email
          limits: 100/minute
      """;

  @TempDir Path dir;
  GatewayFixture f;

  @BeforeEach
  void start() {
    f = GatewayFixture.policy(dir, POLICY, START);
  }

  @AfterEach
  void close() {
    f.close();
  }

  static Stream<Arguments> badRequests() {
    String longHeaders = "X-Filler: " + "a".repeat(1000) + "\r\n";
    return Stream.of(
        Arguments.of("no method, target or version", "GARBAGE\r\n\r\n", 400),
        Arguments.of(
            "a header line without a colon",
            "GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
            400),
        Arguments.of(
            "a header block over 16 KiB",
            "GET / HTTP/1.1\r\nHost: x\r\n" + longHeaders.repeat(17) + "\r\n",
            431),
        Arguments.of(
            "a request line over 8 KiB",
            "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            414),
        Arguments.of("a dot segment above the root", "GET /../x HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of(
            "an encoded dot segment above the root",
            "GET /a/%2e%2e/%2E%2E/x HTTP/1.1\r\nHost: x\r\n\r\n",
            400),
        Arguments.of("a broken percent-encoding", "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of("a truncated percent-encoding", "GET /a% HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of(
            "a control character in the path", "GET /a\u0001b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of("DEL in the path", "GET /a\u007fb HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of(
            "a raw non-ASCII byte in the path", "GET /caf\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of("asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of("absolute-form", "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of("authority-form", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 400),
        Arguments.of(
            "invalid UTF-8, percent-encoded", "GET /a%C3%28 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        Arguments.of(
            "a lone continuation byte, percent-encoded",
            "GET /%80 HTTP/1.1\r\nHost: x\r\n\r\n",
            400),
        Arguments.of(
            "an overlong slash, percent-encoded",
            "GET /a/%C0%AF../x HTTP/1.1\r\nHost: x\r\n\r\n",
            400),
        Arguments.of(
            "a broken percent-encoding in a query key",
            "GET /search?api_key=%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            400));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void badRequest_isA4xxJsonError_andTheServerGoesOnServing(
      String what, String request, int status) {
    RawHttp.Response r = RawHttp.exchange(f.gateway.port(), request);

    assertThat(r.status()).as(what).isEqualTo(status);
    r.jsonError();
    assertThat(f.upstream.received).as("nothing bad is forwarded").isEmpty();
    assertServes();
  }

  @Test
  void unknownHttpVersion_is505Json_andTheServerGoesOnServing() {
    RawHttp.Response r = RawHttp.exchange(f.gateway.port(), "GET / HTTP/7.3\r\nHost: x\r\n\r\n");

    assertThat(r.status()).isEqualTo(505);
    assertThat(r.jsonError().getString("code")).isEqualTo("HTTP_VERSION_NOT_SUPPORTED");
    assertThat(f.upstream.received).isEmpty();
    assertServes();
  }

  @Test
  void validUtf8PercentEncoded_isServed() {
    RawHttp.Response r =
        RawHttp.exchange(
            f.gateway.port(),
            "GET /caf%C3%A9/%E2%98%95 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(r.status()).isEqualTo(200);
    assertThat(f.upstream.received.get(0).uri()).isEqualTo("/caf%C3%A9/%E2%98%95");
  }

  @Test
  void invalidUtf8InABodyKey_isA400JsonError() {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes("{\"email\": \"a".getBytes(StandardCharsets.US_ASCII));
    body.write(0xff);
    body.write(0xfe);
    body.writeBytes("@example.com\"}".getBytes(StandardCharsets.US_ASCII));
    ByteArrayOutputStream key = new ByteArrayOutputStream();
    key.writeBytes("{\"em".getBytes(StandardCharsets.US_ASCII));
    key.write(0xc3);
    key.writeBytes("ail\": \"a@example.com\"}".getBytes(StandardCharsets.US_ASCII));

    for (byte[] b : new byte[][] {body.toByteArray(), key.toByteArray()}) {
      HttpResponse<String> r =
          f.send(
              HttpRequest.newBuilder(f.proxy("/login"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(b)));

      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message"))
          .contains("email");
    }
    assertThat(f.upstream.received).isEmpty();
    assertServes();
  }

  @Test
  void manyBadRequestsInARow_leaveTheServerServing() {
    badRequests().forEach(a -> RawHttp.exchange(f.gateway.port(), (String) a.get()[1]));

    assertServes();
    assertThat(f.upstream.received).hasSize(1);
  }

  @Test
  void adminUnknownPath_is404Json() {
    HttpResponse<String> r = f.send(HttpRequest.newBuilder(f.admin("/nope")).GET());

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r).getString("code")).isEqualTo("NOT_FOUND");
  }

  @Test
  void adminWrongMethod_is405WithAllow() {
    HttpResponse<String> get = f.send(HttpRequest.newBuilder(f.admin("/v1/check")).GET());
    HttpResponse<String> post =
        f.send(
            HttpRequest.newBuilder(f.admin("/healthz"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));

    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    assertThat(error(get).getString("code")).isEqualTo("METHOD_NOT_ALLOWED");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
    assertThat(error(post).getString("code")).isEqualTo("METHOD_NOT_ALLOWED");
  }

  static Stream<Arguments> badChecks() {
    return Stream.of(
        Arguments.of("{\"method\": 5, \"path\": \"/x\"}", "method"),
        Arguments.of("{\"method\": \"G T\", \"path\": \"/x\"}", "method"),
        Arguments.of("{\"method\": \"GET\"}", "path"),
        Arguments.of("{\"method\": \"GET\", \"path\": \"x\"}", "path"),
        Arguments.of("{\"method\": \"GET\", \"path\": \"/x\", \"cost\": -1}", "cost"),
        Arguments.of(
            "{\"method\": \"GET\", \"path\": \"/x\", \"headers\": {\"A\": 1}}", "headers.A"),
        Arguments.of("{\"method\": \"GET\", \"path\": \"/x\", \"colour\": \"red\"}", "colour"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badChecks")
  void malformedCheck_is400JsonNamingTheField(String check, String field) {
    HttpResponse<String> r = f.check(check);

    assertThat(r.statusCode()).isEqualTo(400);
    JsonObject error = error(r);
    assertThat(error.getString("code")).isEqualTo("BAD_CHECK");
    assertThat(error.getString("field")).isEqualTo(field);
    assertThat(error.getString("message")).isNotBlank();
  }

  /**
   * Header names and values no HTTP request could carry: once, Vert.x refused them with an
   * exception the decision API did not catch, and the check was never answered.
   */
  static Stream<Arguments> checksWithImpossibleHeaders() {
    return Stream.of(
        Arguments.of(
            "{\"method\": \"GET\", \"path\": \"/x\", \"headers\": {\"X\\nY\": \"a\"}}",
            "headers.X\nY"),
        Arguments.of(
            "{\"method\": \"GET\", \"path\": \"/x\", \"headers\": {\"X A\": \"a\"}}",
            "headers.X A"),
        Arguments.of(
            "{\"method\": \"GET\", \"path\": \"/x\", \"headers\": {\"\": \"a\"}}", "headers."),
        Arguments.of(
            "{\"method\": \"GET\", \"path\": \"/x\","
                + " \"headers\": {\"X-A\": \"a\\r\\nInjected: 1\"}}",
            "headers.X-A"),
        Arguments.of(
            "{\"method\": \"GET\", \"path\": \"/x\","
                + " \"headers\": {\"Authorization\": [\"Bearer a\\u0000b\"]}}",
            "headers.Authorization"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("checksWithImpossibleHeaders")
  void checkWithAnImpossibleHeader_is400JsonNamingIt(String check, String field) {
    HttpResponse<String> r = f.check(check);

    assertThat(r.statusCode()).isEqualTo(400);
    JsonObject error = error(r);
    assertThat(error.getString("code")).isEqualTo("BAD_CHECK");
    assertThat(error.getString("field")).isEqualTo(field);
    assertThat(
            f.check(
                    "{\"method\": \"GET\", \"path\": \"/x\", \"client_address\": \"192.0.2.1\","
                        + " \"headers\": {\"X-A\": \"a\\tb\"}}")
                .statusCode())
        .as("a tab is a legal value character, and the port goes on answering")
        .isEqualTo(200);
  }

  @Test
  void checkThatIsNotJson_saysWhereInPlainWords_notInJacksonsTerms() {
    String unclosed = error(f.check("{\"method\": \"GET\", \"path\": \"/x\"")).getString("message");
    String deep =
        error(
                f.check(
                    "{\"method\": \"GET\", \"path\": \"/x\", \"body\": "
                        + "[".repeat(5000)
                        + "]".repeat(5000)
                        + "}"))
            .getString("message");

    assertThat(unclosed)
        .startsWith("the body is not valid JSON: ")
        .contains("line 1, column 1")
        .doesNotContain("REDACTED")
        .doesNotContain("StreamRead");
    assertThat(deep).contains("nesting depth").doesNotContain("StreamRead");
  }

  @Test
  void checkThatIsNotJson_is400Json() {
    for (String body : new String[] {"{\"method\": ", "[1, 2]", "", "\"GET /x\""}) {
      HttpResponse<String> r = f.check(body);

      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(error(r).getString("code")).isEqualTo("BAD_CHECK");
    }
  }

  private static JsonObject error(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).doesNotContain("Exception");
    return new JsonObject(r.body()).getJsonObject("error");
  }

  /** A plain request through the proxy still reaches the upstream. */
  private void assertServes() {
    int before = f.upstream.received.size();
    HttpResponse<String> ok = f.get("/ok");
    assertThat(ok.statusCode()).as("a normal request afterwards").isEqualTo(200);
    assertThat(f.upstream.received).hasSize(before + 1);
  }
}
