package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client identity over HTTP: the test's client is the socket peer 127.0.0.1; whether its
 * X-Forwarded-For is believed depends on the policy's trusted proxies.
 */
class TrustedProxyTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:05Z");

  @TempDir Path dir;

  GatewayFixture f;

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void untrustedPeer_spoofingXForwardedFor_isStillCountedAsItself() {
    f = GatewayFixture.policy(dir, "global: {key: ip, limits: 2/minute}\n", START);

    assertThat(f.get("/x", "X-Forwarded-For", "1.1.1.1").statusCode()).isEqualTo(200);
    assertThat(f.get("/x", "X-Forwarded-For", "2.2.2.2").statusCode()).isEqualTo(200);
    assertThat(f.get("/x", "X-Forwarded-For", "3.3.3.3").statusCode())
        .as("a fresh header is not a fresh identity")
        .isEqualTo(429);
    assertThat(f.upstream.received.get(0).headers().get("X-Forwarded-For"))
        .as("an untrusted peer's header is replaced, not passed on")
        .isEqualTo("127.0.0.1");
  }

  @Test
  void trustedProxy_theForwardedClientIsCountedAndTheChainExtended() {
    f =
        GatewayFixture.policy(
            dir, "trusted-proxies: [127.0.0.1]\n" + "global: {key: ip, limits: 1/minute}\n", START);

    assertThat(
            f.get("/x", "X-Forwarded-For", "198.51.100.1", "X-Forwarded-Proto", "https")
                .statusCode())
        .isEqualTo(200);
    assertThat(f.get("/x", "X-Forwarded-For", "198.51.100.2").statusCode()).isEqualTo(200);
    assertThat(f.get("/x", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(429);
    assertThat(f.get("/x", "X-Forwarded-For", "6.6.6.6, 198.51.100.1").statusCode())
        .as("a client's own prefix does not change who it is")
        .isEqualTo(429);

    TestUpstream.Received first = f.upstream.received.get(0);
    assertThat(first.headers().get("X-Forwarded-For")).isEqualTo("198.51.100.1, 127.0.0.1");
    assertThat(first.headers().get("X-Forwarded-Proto")).isEqualTo("https");
  }
}
