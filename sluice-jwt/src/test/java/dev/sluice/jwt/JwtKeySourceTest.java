package dev.sluice.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.Request;
import dev.sluice.core.policy.KeySource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jwt key source verifies before it counts: a valid token is its claim; an expired one, a
 * forged signature, an unsigned {@code alg: none} token, or one signed by a key the JWKS no longer
 * has is no identity at all (the chain's next source, or a 400 with {@code on-invalid: reject}).
 */
class JwtKeySourceTest {
  static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");
  static final String SECRET = "0123456789abcdef0123456789abcdef"; // 32 bytes

  /** RSA keys take a while to make: a few, made once, serve every test. */
  static final RSAKey RSA_1 = rsaKey("rsa-1");

  static final RSAKey RSA_2 = rsaKey("rsa-2");
  static final RSAKey RSA_3 = rsaKey("rsa-3");

  static RSAKey rsaKey(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new AssertionError(e);
    }
  }

  final ManualTicker ticker = new ManualTicker(NOW);
  final JwtKeySourceProvider provider = new JwtKeySourceProvider(ticker);
  HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  static String token(JWSSigner signer, JWSHeader header, JWTClaimsSet claims)
      throws JOSEException {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  static JWTClaimsSet claims(String sub, Instant exp) {
    return new JWTClaimsSet.Builder().subject(sub).expirationTime(Date.from(exp)).build();
  }

  static String hs256(String secret, String sub, Instant exp) throws JOSEException {
    return token(
        new MACSigner(secret.getBytes(StandardCharsets.UTF_8)),
        new JWSHeader(JWSAlgorithm.HS256),
        claims(sub, exp));
  }

  static Request withToken(String token) {
    return Request.builder("GET", "/").bearer(token).build();
  }

  private KeySource.Custom hmacSource(String onInvalid) {
    return provider.create(
        null,
        Map.of("on-invalid", onInvalid),
        Map.of(JwtKeySourceProvider.DEFAULT_SECRET_ENV, SECRET)::get);
  }

  // ---- HS256 ----

  @Test
  void hs256_validToken_isItsSubject() throws Exception {
    KeySource.Custom jwt = hmacSource("next");

    assertThat(jwt.extract(withToken(hs256(SECRET, "user-1", NOW.plusSeconds(600)))))
        .isEqualTo("user-1");
  }

  @Test
  void hs256_otherClaim_byShortFormArgument() throws Exception {
    KeySource.Custom jwt =
        provider.create(
            "tenant", Map.of(), Map.of(JwtKeySourceProvider.DEFAULT_SECRET_ENV, SECRET)::get);
    String token =
        token(
            new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)),
            new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder().subject("u").claim("tenant", "acme").build());

    assertThat(jwt.extract(withToken(token))).isEqualTo("acme");
  }

  @Test
  void hs256_secretComesFromTheNamedVariable_ofAnInjectedEnvironment() throws Exception {
    KeySource.Custom jwt =
        provider.create(
            null, Map.of("secret-env", "MY_JWT_KEY"), Map.of("MY_JWT_KEY", SECRET)::get);

    assertThat(jwt.extract(withToken(hs256(SECRET, "u", NOW.plusSeconds(60))))).isEqualTo("u");
  }

  @Test
  void hs256_missingOrShortSecret_isRefusedAtLoad() {
    assertThatThrownBy(() -> provider.create(null, Map.of(), Map.<String, String>of()::get))
        .isInstanceOf(dev.sluice.core.policy.KeySourceProvider.BadOption.class)
        .hasMessageContaining("SLUICE_JWT_SECRET, which is not set");
    assertThatThrownBy(
            () ->
                provider.create(
                    null, Map.of(), Map.of(JwtKeySourceProvider.DEFAULT_SECRET_ENV, "short")::get))
        .hasMessageContaining("at least 32 bytes");
  }

  @Test
  void expiredToken_isNoIdentity_orInvalidWhenTheRuleSaysReject() throws Exception {
    String expired = hs256(SECRET, "user-1", NOW.minus(Duration.ofMinutes(2)));

    assertThat(hmacSource("next").extract(withToken(expired))).isNull();
    assertThatThrownBy(() -> hmacSource("reject").extract(withToken(expired)))
        .isInstanceOf(KeySource.InvalidIdentity.class)
        .hasMessage("its bearer token has expired");
  }

  @Test
  void tokenExpiringLater_stopsCountingOnceTheClockPassesIt_evenWhenCached() throws Exception {
    KeySource.Custom jwt = hmacSource("next");
    String token = hs256(SECRET, "user-1", NOW.plusSeconds(30));
    assertThat(jwt.extract(withToken(token))).isEqualTo("user-1");

    ticker.advance(Duration.ofSeconds(30 + 61)); // past exp and the allowed skew

    assertThat(jwt.extract(withToken(token))).isNull();
  }

  @Test
  void wrongSignature_isNoIdentity() throws Exception {
    String forged = hs256("another-secret-another-secret-32b", "admin", NOW.plusSeconds(600));

    assertThat(hmacSource("next").extract(withToken(forged))).isNull();
    assertThatThrownBy(() -> hmacSource("reject").extract(withToken(forged)))
        .hasMessage("its bearer token has a signature that does not verify");
  }

  @Test
  void tamperedClaims_failTheSignature() throws Exception {
    String good = hs256(SECRET, "user-1", NOW.plusSeconds(600));
    String[] parts = good.split("\\.");
    String otherClaims =
        Base64URL.encode(claims("admin", NOW.plusSeconds(600)).toString()).toString();

    assertThat(hmacSource("next").extract(withToken(parts[0] + "." + otherClaims + "." + parts[2])))
        .isNull();
  }

  @Test
  void algNone_isNoIdentity() {
    String unsigned = new PlainJWT(claims("admin", NOW.plusSeconds(600))).serialize();

    assertThat(hmacSource("next").extract(withToken(unsigned))).isNull();
    assertThatThrownBy(() -> hmacSource("reject").extract(withToken(unsigned)))
        .hasMessage("its bearer token is not a signed JWT");
  }

  @Test
  void randomBearers_areNoIdentity_soTheyCannotMintBuckets() {
    KeySource.Custom jwt = hmacSource("next");
    for (int i = 0; i < 20; i++) {
      assertThat(jwt.extract(withToken("random-" + i))).isNull();
    }
  }

  @Test
  void noBearer_isAbsent() {
    assertThat(hmacSource("reject").extract(Request.builder("GET", "/").build())).isNull();
  }

  // ---- RS256 / ES256 from a JWKS served over HTTP ----

  /** Serves whatever {@code jwks} holds at /jwks.json, counting fetches. */
  private URI serve(AtomicReference<JWKSet> jwks, AtomicInteger fetches) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/jwks.json",
        exchange -> {
          fetches.incrementAndGet();
          byte[] body = jwks.get().toString(true).getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
  }

  private static String rs256(RSAKey key, String sub) throws JOSEException {
    return token(
        new RSASSASigner(key),
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
        claims(sub, NOW.plusSeconds(600)));
  }

  @Test
  void rs256AndEs256_fromAJwksUrl_verify() throws Exception {
    RSAKey rsa = RSA_1;
    ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    AtomicReference<JWKSet> published =
        new AtomicReference<>(new JWKSet(List.<JWK>of(rsa.toPublicJWK(), ec.toPublicJWK())));
    URI url = serve(published, new AtomicInteger());
    KeySource.Custom jwt = provider.create(null, Map.of("jwks", url.toString()), k -> null);
    String es256 =
        token(
            new ECDSASigner(ec),
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(),
            claims("user-ec", NOW.plusSeconds(600)));

    assertThat(jwt.extract(withToken(rs256(rsa, "user-rsa")))).isEqualTo("user-rsa");
    assertThat(jwt.extract(withToken(es256))).isEqualTo("user-ec");
  }

  @Test
  void jwks_hs256TokenSignedWithThePublicKey_isRefused() throws Exception {
    // The classic confusion: an RS256 public key used as an HMAC secret.
    RSAKey rsa = RSA_1;
    URI url = serve(new AtomicReference<>(new JWKSet(rsa.toPublicJWK())), new AtomicInteger());
    KeySource.Custom jwt =
        provider.create(null, Map.of("jwks", url.toString(), "on-invalid", "reject"), k -> null);
    byte[] publicBytes = rsa.toPublicKey().getEncoded();
    String confused =
        token(
            new MACSigner(publicBytes),
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(),
            claims("admin", NOW.plusSeconds(600)));

    assertThatThrownBy(() -> jwt.extract(withToken(confused)))
        .hasMessage("its bearer token is signed with HS256, not RS256 or ES256");
  }

  @Test
  void keyRotation_aTokenFromTheNewKey_verifiesOnceTheJwksIsRefreshed() throws Exception {
    RSAKey oldKey = RSA_1;
    RSAKey newKey = RSA_2;
    AtomicReference<JWKSet> published = new AtomicReference<>(new JWKSet(oldKey.toPublicJWK()));
    AtomicInteger fetches = new AtomicInteger();
    URI url = serve(published, fetches);
    JwtKeySource jwt =
        (JwtKeySource) provider.create(null, Map.of("jwks", url.toString()), k -> null);
    assertThat(jwt.extract(withToken(rs256(oldKey, "user-1")))).isEqualTo("user-1");
    assertThat(fetches).hasValue(1);

    published.set(new JWKSet(newKey.toPublicJWK())); // the issuer rotates
    String fresh = rs256(newKey, "user-2");
    ticker.advance(Jwks.MIN_INTERVAL);

    // unknown kid: answered from the set at hand (no identity), and a refresh starts
    assertThat(jwt.extract(withToken(fresh))).isNull();
    jwt.keySet().refreshing().get(10, TimeUnit.SECONDS);
    assertThat(fetches).hasValue(2);

    assertThat(jwt.extract(withToken(fresh))).isEqualTo("user-2");
    // the old key is gone from the set: its tokens stop counting once out of the cache
    ticker.advance(Duration.ofSeconds(61));
    assertThat(jwt.extract(withToken(rs256(oldKey, "user-3")))).isNull();
  }

  @Test
  void unknownKeyIds_refreshAtMostOncePerInterval() throws Exception {
    RSAKey key = RSA_1;
    RSAKey stranger = RSA_3;
    AtomicInteger fetches = new AtomicInteger();
    URI url = serve(new AtomicReference<>(new JWKSet(key.toPublicJWK())), fetches);
    JwtKeySource jwt =
        (JwtKeySource) provider.create(null, Map.of("jwks", url.toString()), k -> null);
    ticker.advance(Jwks.MIN_INTERVAL);

    for (int i = 0; i < 50; i++) {
      assertThat(jwt.extract(withToken(rs256(stranger, "x" + i)))).isNull();
      jwt.keySet().refreshing().get(10, TimeUnit.SECONDS);
    }

    assertThat(fetches).hasValue(2); // the load, then one refresh in the interval
  }

  @Test
  void jwks_isRefreshedWhenOlderThanItsMaxAge() throws Exception {
    RSAKey key = RSA_1;
    AtomicInteger fetches = new AtomicInteger();
    URI url = serve(new AtomicReference<>(new JWKSet(key.toPublicJWK())), fetches);
    JwtKeySource jwt =
        (JwtKeySource) provider.create(null, Map.of("jwks", url.toString()), k -> null);

    ticker.advance(Jwks.MAX_AGE);
    assertThat(jwt.extract(withToken(rs256(key, "u")))).isEqualTo("u");
    jwt.keySet().refreshing().get(10, TimeUnit.SECONDS);

    assertThat(fetches).hasValue(2);
  }

  @Test
  void jwksFile_rotatedOnDisk_isReadAgain(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("jwks.json");
    Files.writeString(file, new JWKSet(RSA_1.toPublicJWK()).toString(true));
    JwtKeySource jwt =
        (JwtKeySource) provider.create(null, Map.of("jwks", file.toString()), k -> null);
    assertThat(jwt.extract(withToken(rs256(RSA_1, "u1")))).isEqualTo("u1");

    Files.writeString(file, new JWKSet(RSA_2.toPublicJWK()).toString(true));
    ticker.advance(Jwks.MIN_INTERVAL);
    assertThat(jwt.extract(withToken(rs256(RSA_2, "u2")))).isNull();
    jwt.keySet().refreshing().get(10, TimeUnit.SECONDS);

    assertThat(jwt.extract(withToken(rs256(RSA_2, "u2")))).isEqualTo("u2");
  }

  @Test
  void unreachableJwks_failsTheLoad_namingIt() {
    assertThatThrownBy(
            () ->
                provider.create(
                    null, Map.of("jwks", "/nonexistent/sluice-test/jwks.json"), k -> null))
        .isInstanceOf(dev.sluice.core.policy.KeySourceProvider.BadOption.class)
        .hasMessageContaining("cannot read the JWKS at file:");
  }
}
