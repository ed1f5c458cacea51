package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exemptions through the front doors that use the engine: the gateway (the test's client is the
 * socket peer 127.0.0.1) and {@code POST /v1/check}. An exempt request passes past every limit,
 * carries no rate-limit headers and is counted under outcome {@code exempt}; a client cannot claim
 * an exempt address by writing {@code X-Forwarded-For}.
 */
class ExemptionsGatewayTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:05Z");
  static final String LIMITS = "global: {key: [bearer, ip], limits: 2/minute}\n";

  @TempDir Path dir;

  GatewayFixture f;

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void exemptAddress_isNeverLimited_evenPastTheLimit_andCarriesNoRateLimitHeaders() {
    f = GatewayFixture.policy(dir, LIMITS + "exempt: {addresses: [127.0.0.0/8]}\n", START);

    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = f.get("/x");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(GatewayFixture.rateHeaders(r)).isEmpty();
    }
    assertThat(f.upstream.received).hasSize(5);
    assertThat(metrics())
        .contains("sluice_decisions_total{outcome=\"exempt\",rule=\"none\"} 5.0")
        .doesNotContain("outcome=\"allowed\",rule=\"global\"} 1.0");
  }

  @Test
  void spoofedForwardedFor_fromAnUntrustedPeer_gainsNoExemption() {
    f = GatewayFixture.policy(dir, LIMITS + "exempt: {addresses: 203.0.113.0/24}\n", START);

    assertThat(f.get("/x", "X-Forwarded-For", "203.0.113.9").statusCode()).isEqualTo(200);
    assertThat(f.get("/x", "X-Forwarded-For", "203.0.113.9").statusCode()).isEqualTo(200);
    HttpResponse<String> third = f.get("/x", "X-Forwarded-For", "203.0.113.9");

    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.body()).contains("Rate limit exceeded");
  }

  @Test
  void forwardedFor_fromATrustedProxy_namesTheClient_whoseAddressIsExempt() {
    f =
        GatewayFixture.policy(
            dir,
            LIMITS + "trusted-proxies: [127.0.0.1]\nexempt: {addresses: 203.0.113.0/24}\n",
            START);

    for (int i = 0; i < 4; i++) {
      assertThat(f.get("/x", "X-Forwarded-For", "203.0.113.9").statusCode()).isEqualTo(200);
    }
    assertThat(f.get("/x", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(200);
    assertThat(f.get("/x", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(200);
    assertThat(f.get("/x", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(429);
  }

  @Test
  void exemptIdentity_byTheFingerprintTheGatewayShows() throws Exception {
    f = GatewayFixture.policy(dir, LIMITS, START);
    String fp = Sluice.fingerprintText(f.engines.current().fingerprint("monitoring-token"));
    Files.writeString(
        f.policyFile, LIMITS + "exempt:\n  identities:\n    - fingerprint: " + fp + "\n");
    f.engines.reload();

    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = f.get("/x", "Authorization", "Bearer monitoring-token");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(GatewayFixture.rateHeaders(r)).isEmpty();
    }
    assertThat(f.get("/x", "Authorization", "Bearer other").statusCode()).isEqualTo(200);
    assertThat(f.get("/x", "Authorization", "Bearer other").statusCode()).isEqualTo(200);
    assertThat(f.get("/x", "Authorization", "Bearer other").statusCode()).isEqualTo(429);
  }

  @Test
  void exemptRoute_isNeverLimited_otherRoutesAre() {
    f = GatewayFixture.policy(dir, LIMITS + "exempt: {routes: ['GET /health']}\n", START);

    for (int i = 0; i < 4; i++) {
      assertThat(f.get("/health").statusCode()).isEqualTo(200);
    }
    assertThat(f.get("/x").statusCode()).isEqualTo(200);
    assertThat(f.get("/x").statusCode()).isEqualTo(200);
    assertThat(f.get("/x").statusCode()).isEqualTo(429);
    assertThat(f.post("/health", "{}").statusCode()).as("only GET (and HEAD)").isEqualTo(429);
  }

  @Test
  void checkApi_saysExempt_andWhy() {
    f = GatewayFixture.policy(dir, LIMITS + "exempt: {addresses: [10.0.0.0/8]}\n", START);

    JsonObject exempt =
        new JsonObject(
            f.check("{\"method\": \"GET\", \"path\": \"/x\", \"client_address\": \"10.9.8.7\"}")
                .body());
    for (int i = 0; i < 3; i++) {
      f.check("{\"method\": \"GET\", \"path\": \"/x\", \"client_address\": \"192.0.2.1\"}");
    }
    JsonObject limited =
        new JsonObject(
            f.check("{\"method\": \"GET\", \"path\": \"/x\", \"client_address\": \"192.0.2.1\"}")
                .body());

    assertThat(exempt.getString("outcome")).isEqualTo("exempt");
    assertThat(exempt.getBoolean("allowed")).isTrue();
    assertThat(exempt.getInteger("status")).isEqualTo(200);
    assertThat(exempt.getString("exemption")).isEqualTo("address 10.0.0.0/8");
    assertThat(exempt.getJsonObject("headers")).isEmpty();
    assertThat(exempt.getJsonArray("limits")).isEmpty();
    assertThat(limited.getString("outcome")).isEqualTo("denied");
  }

  private String metrics() {
    return f.send(
            HttpRequest.newBuilder(f.admin("/metrics"))
                .header("Authorization", "Bearer " + f.gateway.operations().token().value())
                .GET())
        .body();
  }
}
