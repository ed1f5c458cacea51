package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.TestCa;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve --config <envoyproxy/ratelimit file> --rls-port 0}: the file recognised by
 * its content, the gRPC service on its own port, a reload on SIGHUP swapping the descriptors.
 */
class ServeRlsProcessTest {
  private static final Pattern RLS = Pattern.compile("envoy: +grpc://127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path dir;

  private static RateLimitRequest request() {
    return RateLimitRequest.newBuilder()
        .setDomain("edge")
        .addDescriptors(
            RateLimitDescriptor.newBuilder()
                .addEntries(
                    RateLimitDescriptor.Entry.newBuilder().setKey("api_key").setValue("k1")))
        .build();
  }

  @Test
  void servesTheDescriptorsOfAnEnvoyproxyRatelimitFileAndReloadsThemOnHangUp() throws Exception {
    Path config = dir.resolve("edge.yaml");
    Files.writeString(
        config,
        "domain: edge\ndescriptors:\n  - key: api_key\n"
            + "    rate_limit: {unit: hour, requests_per_unit: 2}\n");
    try (ServeProcess p =
        new ServeProcess(
            Map.of(),
            "--config",
            config.toString(),
            "--state-dir",
            dir.resolve("state").toString(),
            "--port",
            "0",
            "--admin-port",
            "0",
            "--open-check",
            "--rls-port",
            "0",
            "--drain",
            "1s")) {
      int port = Integer.parseInt(p.await(RLS));
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        RateLimitServiceGrpc.RateLimitServiceBlockingStub stub =
            RateLimitServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThat(stub.shouldRateLimit(request()).getStatuses(0).getLimitRemaining()).isEqualTo(1);
        stub.shouldRateLimit(request());
        assertThat(stub.shouldRateLimit(request()).getOverallCode())
            .isEqualTo(RateLimitResponse.Code.OVER_LIMIT);

        Files.writeString(
            config,
            "domain: edge\ndescriptors:\n  - key: api_key\n"
                + "    rate_limit: {unit: hour, requests_per_unit: 10}\n");
        p.signal("HUP");
        p.await(Pattern.compile("policy reloaded"));
        RateLimitResponse after = stub.shouldRateLimit(request());
        assertThat(after.getOverallCode()).isEqualTo(RateLimitResponse.Code.OK);
        assertThat(after.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(10);
      } finally {
        channel.shutdownNow();
      }
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      String admin = "http://127.0.0.1:" + p.adminPort;
      java.net.http.HttpResponse<String> health =
          http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(admin + "/healthcheck"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("OK");
      java.net.http.HttpResponse<String> json =
          http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(admin + "/json"))
                  .POST(
                      java.net.http.HttpRequest.BodyPublishers.ofString(
                          "{\"domain\": \"edge\", \"descriptors\": [{\"entries\":"
                              + " [{\"key\": \"api_key\", \"value\": \"k9\"}]}]}"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(json.statusCode()).isEqualTo(200);
      assertThat(json.body()).contains("\"limitRemaining\": 9");
      java.net.http.HttpResponse<String> metrics =
          http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(admin + "/metrics")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      // the rate limit service's decisions are in the gateway's metrics, by descriptor rule
      assertThat(metrics.body())
          .containsPattern("sluice_decisions_total\\{[^}]*rule=\"edge.api_key-");
      p.signal("TERM");
      assertThat(p.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static final Pattern TOKEN = Pattern.compile("token: +([0-9a-f]{48}) ");

  private static java.net.http.HttpResponse<String> admin(
      ServeProcess p, String method, String path, String token, String body) throws Exception {
    return java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + p.adminPort + path))
                .header("Authorization", "Bearer " + token)
                .method(
                    method,
                    body == null
                        ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anOverrideSetThroughTheAdminApi_appliesToTheNextRpc() throws Exception {
    Path config = dir.resolve("edge.yaml");
    Files.writeString(
        config,
        "domain: edge\ntiers:\n  pro: {scale: 10}\ndescriptors:\n  - key: api_key\n"
            + "    rate_limit: {unit: hour, requests_per_unit: 2}\n");
    try (ServeProcess p =
        new ServeProcess(
            Map.of(),
            "--config",
            config.toString(),
            "--state-dir",
            dir.resolve("state").toString(),
            "--port",
            "0",
            "--admin-port",
            "0",
            "--rls-port",
            "0",
            "--drain",
            "1s")) {
      String token = p.await(TOKEN);
      int port = Integer.parseInt(p.await(RLS));
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        RateLimitServiceGrpc.RateLimitServiceBlockingStub stub =
            RateLimitServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThat(stub.shouldRateLimit(request()).getStatuses(0).getLimitRemaining()).isEqualTo(1);

        assertThat(
                admin(p, "PUT", "/admin/overrides/k1", token, "{\"tier\": \"pro\"}").statusCode())
            .isEqualTo(200);
        RateLimitResponse pro = stub.shouldRateLimit(request());
        assertThat(pro.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(20);
        assertThat(pro.getStatuses(0).getLimitRemaining()).isEqualTo(19);
        assertThat(pro.getRequestHeadersToAddList())
            .anySatisfy(
                h -> {
                  assertThat(h.getKey()).isEqualTo("X-Sluice-Tier");
                  assertThat(h.getValue()).isEqualTo("pro");
                });

        java.net.http.HttpResponse<String> unknown =
            admin(p, "PUT", "/admin/overrides/k1", token, "{\"tier\": \"gold\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("the policy has no tier 'gold'; its tiers are pro");

        assertThat(admin(p, "DELETE", "/admin/overrides/k1", token, null).statusCode())
            .isIn(200, 204);
        assertThat(
                stub.shouldRateLimit(request())
                    .getStatuses(0)
                    .getCurrentLimit()
                    .getRequestsPerUnit())
            .isEqualTo(2);
      } finally {
        channel.shutdownNow();
      }
      p.signal("TERM");
      assertThat(p.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void servesOverMutualTls_withTheCertificatesGiven() throws Exception {
    Path config = dir.resolve("edge.yaml");
    Files.writeString(
        config,
        "domain: edge\ndescriptors:\n  - key: api_key\n"
            + "    rate_limit: {unit: hour, requests_per_unit: 2}\n");
    TestCa ca = new TestCa(dir, "ca");
    TestCa.Issued server = ca.issue("server");
    TestCa.Issued client = ca.issue("client");
    try (ServeProcess p =
        new ServeProcess(
            Map.of(),
            "--config",
            config.toString(),
            "--state-dir",
            dir.resolve("state").toString(),
            "--port",
            "0",
            "--admin-port",
            "0",
            "--rls-port",
            "0",
            "--rls-tls-cert",
            server.certificate().toString(),
            "--rls-tls-key",
            server.key().toString(),
            "--rls-tls-client-ca",
            ca.certificate.toString(),
            "--drain",
            "1s")) {
      int port = Integer.parseInt(p.await(RLS));
      p.await(Pattern.compile("TLS, client certificates required"));
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", port)
              .sslContext(
                  io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient()
                      .trustManager(ca.certificate.toFile())
                      .keyManager(client.certificate().toFile(), client.key().toFile())
                      .build())
              .build();
      try {
        RateLimitResponse r =
            RateLimitServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .shouldRateLimit(request());
        assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(1);
      } finally {
        channel.shutdownNow();
      }
      p.signal("TERM");
      assertThat(p.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
