package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * examples/ipto.yaml enforced over HTTP through the proxy: every row of the seed's tables, with the
 * exact headers and 429 body, denied requests never reaching the upstream and allowed ones reaching
 * it intact.
 */
class ProxyIptoTest {
  /** A Monday, 15 s into the minute: windows end at 09:01:00, 10:00:00 and midnight. */
  static final Instant START = Instant.parse("2025-03-03T09:00:15Z");

  static final Instant MINUTE_END = Instant.parse("2025-03-03T09:01:00Z");
  static final Instant HOUR_END = Instant.parse("2025-03-03T10:00:00Z");
  static final Instant FORGOTTEN = Instant.parse("2025-04-02T09:00:15Z");

  final GatewayFixture f = GatewayFixture.example("ipto.yaml", START);

  @AfterEach
  void close() {
    f.close();
  }

  /** Who an endpoint counts, and how a request carries that identity over HTTP. */
  enum Per {
    EMAIL("email"),
    TOKEN("token"),
    REFRESH_TOKEN("refresh_token"),
    USER(null);

    final String field;

    Per(String field) {
      this.field = field;
    }
  }

  record Row(String rule, String method, String path, Per per, int limit, String window) {
    Instant resetAt() {
      return window.equals("minute") ? MINUTE_END : window.equals("hour") ? HOUR_END : FORGOTTEN;
    }

    long retryAfter() {
      return Duration.between(START, resetAt()).toSeconds();
    }

    String body(String who) {
      return per.field == null
          ? "{\"note\": \"caf\u00e9 \u2615\"}"
          : "{\"" + per.field + "\": \"" + who + "@example.com\", \"note\": \"caf\u00e9\"}";
    }

    HttpResponse<String> send(GatewayFixture f, String who) {
      var b =
          java.net.http.HttpRequest.newBuilder(f.proxy(path))
              .method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body(who)))
              .header("Content-Type", "application/json");
      if (per == Per.USER) {
        b.header("Authorization", "Bearer token-" + who);
      }
      return f.send(b);
    }

    @Override
    public String toString() {
      return rule + " " + limit + "/" + window;
    }
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("magic-link", "POST", "/auth/magic-link", Per.EMAIL, 3, "hour"),
        new Row("token-verification", "POST", "/auth/verify", Per.TOKEN, 5, "lifetime"),
        new Row("token-refresh", "POST", "/auth/refresh", Per.REFRESH_TOKEN, 10, "hour"),
        new Row("asset-creation", "POST", "/assets", Per.USER, 10, "hour"),
        new Row("asset-listing", "GET", "/assets", Per.USER, 100, "minute"),
        new Row("asset-updates", "PATCH", "/assets/42", Per.USER, 20, "hour"),
        new Row("license-creation", "POST", "/microip/licenses", Per.USER, 5, "hour"),
        new Row("asset-downloads", "GET", "/microip/assets/42/download", Per.USER, 20, "hour"),
        new Row("search", "GET", "/microip/search", Per.USER, 50, "minute"),
        new Row("deposits", "POST", "/balance/deposits", Per.USER, 10, "hour"),
        new Row("withdrawals", "POST", "/balance/withdrawals", Per.USER, 5, "hour"),
        new Row("balance-checks", "GET", "/balance", Per.USER, 100, "minute"),
        new Row("wallet-addition", "POST", "/wallets", Per.USER, 5, "hour"),
        new Row("wallet-verification", "POST", "/wallets/7/verify", Per.USER, 10, "hour"),
        new Row("wallet-listing", "GET", "/wallets", Per.USER, 50, "minute"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void endpointLimit_admitsExactlyNThenAnswers429AsTheSeedSays(Row row) {
    String reset = Long.toString(row.resetAt().getEpochSecond());
    for (int i = 1; i <= row.limit(); i++) {
      HttpResponse<String> r = row.send(f, "alice");
      assertThat(r.statusCode()).as("request %d of %d", i, row.limit()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"upstream\": true}");
      assertThat(r.headers().firstValue("X-Upstream")).hasValue("yes");
      assertThat(GatewayFixture.rateHeaders(r))
          .as("request %d", i)
          .isEqualTo(
              Map.of(
                  "X-RateLimit-Limit", Integer.toString(row.limit()),
                  "X-RateLimit-Remaining", Integer.toString(row.limit() - i),
                  "X-RateLimit-Reset", reset));
    }
    assertThat(f.upstream.received).hasSize(row.limit());

    HttpResponse<String> denied = row.send(f, "alice");

    String retryAfter = Long.toString(row.retryAfter());
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(GatewayFixture.rateHeaders(denied))
        .isEqualTo(
            Map.of(
                "X-RateLimit-Limit",
                Integer.toString(row.limit()),
                "X-RateLimit-Remaining",
                "0",
                "X-RateLimit-Reset",
                reset,
                "Retry-After",
                retryAfter));
    assertThat(denied.body())
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": " + retryAfter + "}");
    assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(denied.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(f.upstream.received)
        .as("a denied request never reaches the upstream")
        .hasSize(row.limit());

    HttpResponse<String> otherIdentity = row.send(f, "bob");
    assertThat(otherIdentity.statusCode()).isEqualTo(200);
    assertThat(otherIdentity.headers().firstValue("X-RateLimit-Remaining"))
        .hasValue(Integer.toString(row.limit() - 1));
  }

  @Test
  void allowedRequest_reachesTheUpstreamWithBodyHeadersAndTargetIntact() {
    String body = "{\"email\": \"alice@example.com\", \"note\": \"caf\u00e9 \u2615\"}";
    HttpResponse<String> r =
        f.post(
            "/auth/magic-link?utm=a%20b&x=1",
            body,
            "Content-Type",
            "application/json; charset=utf-8",
            "X-Request-Id",
            "req-1",
            "Authorization",
            "Bearer abc");

    assertThat(r.statusCode()).isEqualTo(200);
    TestUpstream.Received got = f.upstream.received.get(0);
    assertThat(got.method()).isEqualTo("POST");
    assertThat(got.uri()).isEqualTo("/auth/magic-link?utm=a%20b&x=1");
    assertThat(got.body().toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(body);
    assertThat(got.headers().get("Content-Type")).isEqualTo("application/json; charset=utf-8");
    assertThat(got.headers().get("X-Request-Id")).isEqualTo("req-1");
    assertThat(got.headers().get("Authorization")).isEqualTo("Bearer abc");
    assertThat(got.headers().get("X-Forwarded-For")).isEqualTo("127.0.0.1");
    assertThat(got.headers().get("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(got.headers().get("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + f.gateway.port());
  }

  @Test
  void globalMinute_denies101stRequestAcrossEndpoints() {
    String[] paths = {"/assets", "/balance", "/microip/search", "/wallets"};
    for (int i = 0; i < 100; i++) {
      assertThat(f.get(paths[i % 4], "Authorization", "Bearer alice").statusCode())
          .as("request %d", i + 1)
          .isEqualTo(200);
    }

    HttpResponse<String> denied = f.post("/assets", "{}", "Authorization", "Bearer alice");

    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(GatewayFixture.rateHeaders(denied))
        .isEqualTo(
            Map.of(
                "X-RateLimit-Limit",
                "100",
                "X-RateLimit-Remaining",
                "0",
                "X-RateLimit-Reset",
                Long.toString(MINUTE_END.getEpochSecond()),
                "Retry-After",
                "45"));
    assertThat(denied.body())
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": 45}");

    f.ticker.set(MINUTE_END);
    HttpResponse<String> nextMinute = f.post("/assets", "{}", "Authorization", "Bearer alice");
    assertThat(nextMinute.statusCode()).isEqualTo(200);
    assertThat(nextMinute.headers().firstValue("X-RateLimit-Remaining"))
        .as("the denied request took nothing from asset-creation")
        .hasValue("9");
  }

  @Test
  void windowedLimit_refillsAtItsReset() {
    for (int i = 0; i < 3; i++) {
      f.post("/auth/magic-link", "{\"email\": \"a@example.com\"}");
    }
    assertThat(f.post("/auth/magic-link", "{\"email\": \"a@example.com\"}").statusCode())
        .isEqualTo(429);

    f.ticker.set(HOUR_END);

    assertThat(f.post("/auth/magic-link", "{\"email\": \"a@example.com\"}").statusCode())
        .isEqualTo(200);
  }

  @Test
  void magicLink_aMailboxSpeltAnotherWay_isStill429AfterThree() {
    for (int i = 0; i < 3; i++) {
      assertThat(f.post("/auth/magic-link", "{\"email\": \"a@example.com\"}").statusCode())
          .isEqualTo(200);
    }

    HttpResponse<String> r =
        f.post("/auth/magic-link", "{\"email\": \" mailto:A+again@EXAMPLE.com. \"}");

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(f.upstream.received).hasSize(3);
  }

  @Test
  void magicLinkWithoutEmail_is400WithAClearJsonErrorAndNeverForwarded() {
    HttpResponse<String> r = f.post("/auth/magic-link", "{\"mail\": \"a@example.com\"}");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body())
        .isEqualTo(
            "{\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":\"rule 'magic-link' counts"
                + " requests per body field email, and this request has none\"}}");
    assertThat(f.upstream.received).isEmpty();
  }

  @Test
  void uncoveredRequest_passesWithTheGlobalLimitsOnly() {
    HttpResponse<String> r = f.get("/profile", "Authorization", "Bearer alice");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(GatewayFixture.rateHeaders(r)).containsEntry("X-RateLimit-Limit", "100");
  }

  @Test
  void differentlySpeltPaths_areCountedByTheSameRule() {
    String[] spellings = {
      "/auth/magic-link",
      "/auth//magic-link",
      "/auth/./magic-link",
      "/auth/x/../magic-link",
      "/auth/magic%2Dlink"
    };
    for (String path : spellings) {
      f.post(path, "{\"email\": \"a@example.com\"}");
    }
    assertThat(f.upstream.received).as("3 per hour, however the path is written").hasSize(3);
    assertThat(f.upstream.received.get(1).uri())
        .as("forwarded as received")
        .isEqualTo("/auth//magic-link");
  }
}
