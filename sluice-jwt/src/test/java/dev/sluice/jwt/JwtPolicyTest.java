package dev.sluice.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import dev.sluice.config.PolicyException;
import dev.sluice.config.PolicyFiles;
import dev.sluice.core.Decision;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.Request;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.store.InMemoryStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * With sluice-jwt on the class path, the policy reader finds the {@code jwt} source; a client can
 * no longer mint a bucket per request with a fresh bearer token.
 */
class JwtPolicyTest {
  static final String SECRET = JwtKeySourceTest.SECRET;
  static final Map<String, String> ENV = Map.of("SLUICE_JWT_SECRET", SECRET);

  static final String POLICY =
      """
      key: [jwt, ip]
      rules:
        - name: asset-creation
          route: POST /assets
          limits: 10/hour
      """;

  private static PolicyException error(String yaml, Map<String, String> env) {
    PolicyException e =
        catchThrowableOfType(
            PolicyException.class, () -> PolicyFiles.parse(yaml, "policy.yaml", env::get));
    assertThat(e).as("a PolicyException for:%n%s", yaml).isNotNull();
    return e;
  }

  @Test
  void jwt_isFoundOnTheClassPath_andReadsAsAChainWithIp() {
    Policy p = PolicyFiles.parse(POLICY, "policy.yaml", ENV::get);

    KeySource.FirstOf chain = (KeySource.FirstOf) p.rules().get(0).key();
    assertThat(chain.sources().get(0)).isInstanceOf(JwtKeySource.class);
    assertThat(chain.sources().get(0).describe()).isEqualTo("JWT claim sub (HS256)");
    assertThat(chain.sources().get(1)).isEqualTo(new KeySource.ClientIp());
  }

  @Test
  void freshRandomBearers_cannotPassTheLimit_theyAllCountAsTheAddress() {
    Policy p = PolicyFiles.parse(POLICY, "policy.yaml", ENV::get);
    Sluice sluice =
        Sluice.builder(p)
            .store(
                InMemoryStore.builder()
                    .ticker(new ManualTicker(Instant.parse("2030-06-01T12:00:00Z")))
                    .build())
            .build();
    int passed = 0;
    for (int i = 0; i < 12; i++) {
      Decision d =
          sluice.decide(
              Request.builder("POST", "/assets")
                  .bearer(UUID.randomUUID().toString())
                  .clientAddress("203.0.113.7")
                  .build());
      passed += d.allowed() ? 1 : 0;
    }

    assertThat(passed).isEqualTo(10);
  }

  @Test
  void validTokens_areCountedPerSubject_whateverTheAddress() throws Exception {
    Policy p = PolicyFiles.parse(POLICY, "policy.yaml", ENV::get);
    Sluice sluice = Sluice.builder(p).build();
    String token =
        JwtKeySourceTest.token(
            new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)),
            new JWSHeader(JWSAlgorithm.HS256),
            new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("user-1").build());
    for (int i = 0; i < 10; i++) {
      Request r =
          Request.builder("POST", "/assets").bearer(token).clientAddress("198.51.100." + i).build();
      assertThat(sluice.decide(r).allowed()).as("request %d", i + 1).isTrue();
    }

    Request eleventh =
        Request.builder("POST", "/assets").bearer(token).clientAddress("192.0.2.1").build();
    assertThat(sluice.decide(eleventh).allowed()).isFalse();
  }

  @Test
  void onInvalidReject_aForgedToken_isA400NamingTheRule() {
    Policy p =
        PolicyFiles.parse(
            """
            rules:
              - name: asset-creation
                route: POST /assets
                key: [{source: jwt, on-invalid: reject}, ip]
                limits: 10/hour
            """,
            "policy.yaml",
            ENV::get);
    Sluice sluice = Sluice.builder(p).build();

    Decision d =
        sluice.decide(
            Request.builder("POST", "/assets").bearer("forged").clientAddress("192.0.2.1").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.problem())
        .isEqualTo(
            "rule 'asset-creation' cannot count this request: its bearer token is not a signed"
                + " JWT");
  }

  @Test
  void missingSecret_isALocatedErrorAtTheSource() {
    PolicyException e = error(POLICY, Map.of());

    assertThat(new int[] {e.line(), e.column()}).containsExactly(1, 7);
    assertThat(e.field()).isEqualTo("key[0]");
    assertThat(e.problem()).contains("environment variable SLUICE_JWT_SECRET, which is not set");
  }

  @Test
  void badOption_isLocatedAtTheOption() {
    PolicyException e =
        error(
            """
            global:
              limits: 10/minute
              key:
                source: jwt
                on-invalid: refuse
            """,
            ENV);

    assertThat(new int[] {e.line(), e.column()}).containsExactly(5, 17);
    assertThat(e.field()).isEqualTo("global.key.on-invalid");
    assertThat(e.problem()).startsWith("on-invalid must be 'next'");
  }

  @Test
  void misspeltOption_getsASuggestion() {
    PolicyException e =
        error("global:\n  limits: 10/minute\n  key: {source: jwt, clam: email}\n", ENV);

    assertThat(e.field()).isEqualTo("global.key.clam");
    assertThat(e.problem()).isEqualTo("unknown field 'clam'; did you mean 'claim'?");
  }

  @Test
  void misspeltSourceName_suggestsJwt_whenItIsPresent() {
    PolicyException e = error("global:\n  limits: 10/minute\n  key: jwy\n", ENV);

    assertThat(e.problem()).isEqualTo("unknown key source 'jwy'; did you mean 'jwt'?");
  }
}
