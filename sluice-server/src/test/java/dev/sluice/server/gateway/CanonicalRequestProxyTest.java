package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 16 through the proxy, on real sockets: after three magic links for one e-mail, no spelling
 * of a fourth reaches the upstream (each is a 429, or a 400 with a JSON error); HEAD is counted
 * with GET; a body giving a key twice is refused; and a client's own {@code Forwarded} and {@code
 * X-Real-IP} never reach the upstream from an untrusted peer.
 */
class CanonicalRequestProxyTest {
  static final String BODY = "{\"email\": \"a@example.com\"}";

  @TempDir Path dir;
  GatewayFixture f;

  @BeforeEach
  void start() {
    f = GatewayFixture.policy(dir, PathVariants.iptoCaseInsensitive(), ProxyIptoTest.START);
  }

  @AfterEach
  void close() {
    f.close();
  }

  private RawHttp.Response post(String method, String target, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return RawHttp.exchange(
        f.gateway.port(),
        method
            + " "
            + target
            + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            + bytes.length
            + "\r\nConnection: close\r\n\r\n"
            + body);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dev.sluice.server.gateway.PathVariants#magicLink")
  void fourthMagicLink_inAnySpelling_neverReachesTheUpstream(String method, String target) {
    for (int i = 0; i < 3; i++) {
      assertThat(post("POST", "/auth/magic-link", BODY).status()).isEqualTo(200);
    }

    RawHttp.Response r = post(method, target, BODY);

    assertThat(r.status()).as("%s %s", method, target).isIn(429, 400);
    if (r.status() == 400) {
      assertThat(r.jsonError().getString("code")).isIn("BAD_PATH", "BAD_METHOD", "BAD_QUERY");
    } else {
      assertThat(r.text()).contains("Rate limit exceeded");
    }
    assertThat(f.upstream.received).as("only the three counted links").hasSize(3);
  }

  @Test
  void lowerCaseMethod_isCountedAndForwardedAsTheStandardMethod() {
    RawHttp.Response r = post("post", "/auth/magic-link", BODY);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("X-RateLimit-Limit")).isEqualTo("3");
    assertThat(f.upstream.received.get(0).method()).isEqualTo("POST");
  }

  @Test
  void extensionMethod_isForwardedAsWritten_countedByTheGlobalLimitsOnly() {
    RawHttp.Response r = post("PROPFIND", "/auth/magic-link", BODY);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("X-RateLimit-Limit")).isEqualTo("100"); // global, not magic-link's 3
    assertThat(f.upstream.received.get(0).method()).isEqualTo("PROPFIND");
  }

  @Test
  void sixtyHeads_onlyFiftyReachTheUpstream_asTheGetRuleAllows() {
    int through = 0;
    int denied = 0;
    for (int i = 0; i < 60; i++) {
      HttpResponse<String> r =
          f.send(
              HttpRequest.newBuilder(f.proxy("/microip/search"))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .header("Authorization", "Bearer token-alice"));
      if (r.statusCode() == 200) {
        through++;
      } else {
        assertThat(r.statusCode()).isEqualTo(429);
        denied++;
      }
    }

    assertThat(through).isEqualTo(50);
    assertThat(denied).isEqualTo(10);
    assertThat(f.upstream.received).hasSize(50);
    assertThat(f.get("/microip/search", "Authorization", "Bearer token-alice").statusCode())
        .as("the GET shares HEAD's bucket")
        .isEqualTo(429);
  }

  @Test
  void duplicateEmailKey_is400_andNotForwarded() {
    HttpResponse<String> r =
        f.post(
            "/auth/magic-link",
            "{\"email\": \"a@example.com\", \"email\": \"b@example.com\"}",
            "Content-Type",
            "application/json");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).contains("twice").doesNotContain("Exception");
    assertThat(f.upstream.received).isEmpty();
  }

  @Test
  void forwardedAndXRealIp_fromAnUntrustedPeer_neverReachTheUpstream() {
    HttpResponse<String> r =
        f.get(
            "/assets",
            "Forwarded",
            "for=198.51.100.9",
            "X-Real-IP",
            "198.51.100.9",
            "Authorization",
            "Bearer token-alice");

    assertThat(r.statusCode()).isEqualTo(200);
    TestUpstream.Received got = f.upstream.received.get(0);
    assertThat(got.headers().contains("Forwarded")).isFalse();
    assertThat(got.headers().contains("X-Real-IP")).isFalse();
    assertThat(got.headers().get("X-Forwarded-For")).isEqualTo("127.0.0.1");
  }

  @Test
  void forwardedAndXRealIp_fromATrustedProxy_areKept() throws Exception {
    f.close();
    f =
        GatewayFixture.policy(
            dir,
            "trusted-proxies: [127.0.0.1/32]\nglobal:\n  limits: 100/minute\n",
            ProxyIptoTest.START);

    HttpResponse<String> r = f.get("/x", "Forwarded", "for=198.51.100.9", "X-Real-IP", "1.2.3.4");

    assertThat(r.statusCode()).isEqualTo(200);
    TestUpstream.Received got = f.upstream.received.get(0);
    assertThat(got.headers().get("Forwarded")).isEqualTo("for=198.51.100.9");
    assertThat(got.headers().get("X-Real-IP")).isEqualTo("1.2.3.4");
  }
}
