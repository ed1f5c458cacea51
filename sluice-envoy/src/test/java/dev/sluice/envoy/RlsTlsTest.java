package dev.sluice.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.TestCa;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rate limit service over TLS and mutual TLS, with certificates of authorities made for the
 * test, and real grpc-java clients: who is answered, who fails the handshake, and what a bad file
 * says when the server starts.
 */
class RlsTlsTest {
  private static final String CONFIG =
      "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: minute, requests_per_unit: 5}\n";
  private static final RateLimitRequest REQUEST = Rls.request("d", Rls.descriptor("k", "v"));

  @TempDir static Path dir;
  private static TestCa ca;
  private static TestCa otherCa;
  private static TestCa.Issued server;
  private static TestCa.Issued client;
  private static TestCa.Issued strangerClient;

  @BeforeAll
  static void authorities() throws Exception {
    ca = new TestCa(dir, "ca");
    otherCa = new TestCa(dir, "other");
    server = ca.issue("server");
    client = ca.issue("client");
    strangerClient = otherCa.issue("stranger");
  }

  private static RateLimitServer serve(RlsTls tls) {
    EnvoyRateLimiter limiter =
        EnvoyRateLimiter.builder(RatelimitConfig.parse(CONFIG, "d.yaml")).build();
    return RateLimitServer.start(limiter, "127.0.0.1", 0, tls);
  }

  private static RateLimitResponse call(RateLimitServer s, SslContextBuilder clientTls)
      throws Exception {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", s.port());
    if (clientTls == null) {
      b.usePlaintext();
    } else {
      b.sslContext(GrpcSslContexts.configure(clientTls).build());
    }
    ManagedChannel channel = b.build();
    try {
      return RateLimitServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .shouldRateLimit(REQUEST);
    } finally {
      channel.shutdownNow();
    }
  }

  private static SslContextBuilder trusting(TestCa authority) {
    return SslContextBuilder.forClient().trustManager(authority.certificate.toFile());
  }

  @Test
  void aClientTrustingTheAuthority_isAnsweredOverTls() throws Exception {
    try (RateLimitServer s = serve(RlsTls.load(server.certificate(), server.key(), null))) {
      RateLimitResponse r = call(s, trusting(ca));
      assertThat(r.getOverallCode()).isEqualTo(RateLimitResponse.Code.OK);
      assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(4);
    }
  }

  @Test
  void aPlaintextClient_isNotAnswered() throws Exception {
    try (RateLimitServer s = serve(RlsTls.load(server.certificate(), server.key(), null))) {
      assertThatThrownBy(() -> call(s, null))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void aClientTrustingAnotherAuthority_failsTheHandshake() throws Exception {
    try (RateLimitServer s = serve(RlsTls.load(server.certificate(), server.key(), null))) {
      assertThatThrownBy(() -> call(s, trusting(otherCa)))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void withClientCa_aClientCertificateOfTheAuthority_isAnswered() throws Exception {
    RlsTls tls = RlsTls.load(server.certificate(), server.key(), ca.certificate);
    assertThat(tls.clientCertificates()).isTrue();
    try (RateLimitServer s = serve(tls)) {
      RateLimitResponse r =
          call(s, trusting(ca).keyManager(client.certificate().toFile(), client.key().toFile()));
      assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(4);
    }
  }

  @Test
  void withClientCa_aClientWithoutCertificate_isRefused() throws Exception {
    try (RateLimitServer s =
        serve(RlsTls.load(server.certificate(), server.key(), ca.certificate))) {
      assertThatThrownBy(() -> call(s, trusting(ca)))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void withClientCa_aClientCertificateOfAnotherAuthority_isRefused() throws Exception {
    try (RateLimitServer s =
        serve(RlsTls.load(server.certificate(), server.key(), ca.certificate))) {
      SslContextBuilder stranger =
          trusting(ca)
              .keyManager(strangerClient.certificate().toFile(), strangerClient.key().toFile());
      assertThatThrownBy(() -> call(s, stranger))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void load_missingCertificate_namesTheFile() {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> RlsTls.load(missing, server.key(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--rls-tls-cert " + missing + ": no such file");
  }

  @Test
  void load_aFileThatIsNoCertificate_isRefused() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello\n");
    assertThatThrownBy(() -> RlsTls.load(server.certificate(), server.key(), garbage))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--rls-tls-client-ca " + garbage + ": ");
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    assertThatThrownBy(() -> RlsTls.load(empty, server.key(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--rls-tls-cert " + empty + ": ");
  }

  @Test
  void load_theKeyOfAnotherCertificate_isRefused() {
    assertThatThrownBy(() -> RlsTls.load(server.certificate(), client.key(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--rls-tls-key "
                + client.key()
                + ": the key does not belong to the certificate in --rls-tls-cert (CN=server);"
                + " give the key it was issued for");
  }

  @Test
  void load_aCertificateAsTheKey_saysAPrivateKeyIsExpected() {
    assertThatThrownBy(() -> RlsTls.load(server.certificate(), server.certificate(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--rls-tls-key "
                + server.certificate()
                + ": no private key in it; expected '-----BEGIN PRIVATE KEY-----'");
  }

  @Test
  void load_aSec1Key_namesTheCommandThatConvertsIt() throws Exception {
    Path sec1 =
        Files.writeString(
            dir.resolve("sec1.key"),
            "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n");
    assertThatThrownBy(() -> RlsTls.load(server.certificate(), sec1, null))
        .hasMessage(
            "--rls-tls-key "
                + sec1
                + ": a SEC1 EC key; give a PKCS#8 key; convert it with 'openssl pkcs8 -topk8"
                + " -nocrypt -in "
                + sec1
                + " -out key.pk8.pem'");
  }

  @Test
  void load_anExpiredCertificate_isRefused() {
    Clock inAWeek = Clock.fixed(Instant.now().plus(7, ChronoUnit.DAYS), ZoneOffset.UTC);
    assertThatThrownBy(() -> RlsTls.load(server.certificate(), server.key(), null, inAWeek))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "--rls-tls-cert " + server.certificate() + ": the certificate expired on ")
        .hasMessageEndingWith("; renew it");
  }
}
