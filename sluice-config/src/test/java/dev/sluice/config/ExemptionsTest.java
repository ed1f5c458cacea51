package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.core.Answer;
import dev.sluice.core.Decision;
import dev.sluice.core.Request;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.Policy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code exempt:} read from YAML and applied by the engine: exempt requests pass past every limit,
 * are decided {@code EXEMPT}, charge nothing and carry no rate-limit headers; mistakes are located.
 */
class ExemptionsTest {
  private static final String RULES =
      "global: {limits: 2/minute, key: [bearer, ip]}\n"
          + "rules:\n"
          + "  - route: POST /login\n"
          + "    limits: 1/minute\n"
          + "    key: ip\n";

  private static final byte[] SECRET = "0123456789abcdef".getBytes();

  private static Sluice engine(String exempt, Map<String, String> env) {
    Policy p = PolicyFiles.parse(RULES + exempt, "policy.yaml", env::get);
    return Sluice.builder(p).identitySecret(SECRET).build();
  }

  private static Sluice engine(String exempt) {
    return engine(exempt, Map.of());
  }

  private static Request.Builder get(String path, String client) {
    return Request.builder("GET", path).clientAddress(client);
  }

  /** Decides {@code r} {@code n} times; the last decision. */
  private static Decision decideTimes(Sluice s, Request.Builder r, int n) {
    Decision d = null;
    for (int i = 0; i < n; i++) {
      d = s.decide(r.build());
    }
    return d;
  }

  @Test
  void exemptAddress_neverLimited_evenPastTheLimit() {
    Sluice s = engine("exempt: {addresses: [10.0.0.0/8, '2001:db8::/32']}\n");

    Decision d = decideTimes(s, get("/x", "10.1.2.3"), 10);
    Decision v6 = decideTimes(s, get("/x", "2001:db8:7::1"), 10);

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.EXEMPT);
    assertThat(d.allowed()).isTrue();
    assertThat(d.exemption()).isEqualTo("address 10.0.0.0/8");
    assertThat(d.limits()).isEmpty();
    assertThat(v6.exemption()).isEqualTo("address 2001:db8::/32");
    assertThat(s.answer(d)).isEqualTo(new Answer.Pass(java.util.List.of()));
  }

  @Test
  void addressOutsideTheBlocks_isLimitedAsBefore() {
    Sluice s = engine("exempt: {addresses: 10.0.0.0/8}\n");

    Decision d = decideTimes(s, get("/x", "11.0.0.1"), 3);

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.DENIED);
  }

  @Test
  void exemptClient_isNotCounted_soItsBucketStaysFull() {
    // The same bearer token from an exempt address and then from elsewhere: the exempt requests
    // left its bucket untouched.
    Sluice s = engine("exempt: {addresses: 10.0.0.0/8}\n");
    decideTimes(s, get("/x", "10.0.0.1").bearer("tok"), 5);

    Decision d = s.decide(get("/x", "192.0.2.1").bearer("tok").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(d.binding().remaining()).isEqualTo(1);
  }

  @Test
  void exemptRoute_matchesMethodAndPattern_andGetCoversHead() {
    Sluice s = engine("exempt: {routes: ['GET /health', '/internal/**']}\n");

    assertThat(decideTimes(s, get("/health", "192.0.2.1"), 5).exemption())
        .isEqualTo("route GET /health");
    assertThat(
            decideTimes(s, Request.builder("HEAD", "/health").clientAddress("192.0.2.1"), 5)
                .outcome())
        .isEqualTo(Decision.Outcome.EXEMPT);
    assertThat(
            decideTimes(s, Request.builder("POST", "/internal/a/b").clientAddress("192.0.2.2"), 5)
                .outcome())
        .isEqualTo(Decision.Outcome.EXEMPT);
    assertThat(
            decideTimes(s, Request.builder("POST", "/health").clientAddress("192.0.2.3"), 3)
                .outcome())
        .isEqualTo(Decision.Outcome.DENIED);
  }

  @Test
  void exemptRoute_matchesTheCanonicalPath_soSpellingCannotDodgeOrGainIt() {
    Sluice s = engine("exempt: {routes: 'GET /health'}\n");

    assertThat(s.decide(get("/./health/", "192.0.2.1").build()).outcome())
        .isEqualTo(Decision.Outcome.EXEMPT);
    assertThat(decideTimes(s, get("/healthz", "192.0.2.1"), 3).outcome())
        .isEqualTo(Decision.Outcome.DENIED);
  }

  @Test
  void exemptIdentityByFingerprint_exemptsTheWholeRequest() {
    Sluice probe =
        Sluice.builder(PolicyFiles.parse(RULES, "p.yaml")).identitySecret(SECRET).build();
    String fp = Sluice.fingerprintText(probe.fingerprint("monitor-token"));
    Sluice s = engine("exempt: {identities: [{fingerprint: " + fp + "}]}\n");

    Decision d = decideTimes(s, get("/x", "192.0.2.1").bearer("monitor-token"), 10);
    Decision other = decideTimes(s, get("/x", "192.0.2.1").bearer("someone-else"), 3);

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.EXEMPT);
    assertThat(d.exemption()).isEqualTo("identity fingerprint " + fp);
    assertThat(other.outcome()).isEqualTo(Decision.Outcome.DENIED);
  }

  @Test
  void exemptIdentityFromEnvironment_isMatchedByValue_neverShown() {
    Sluice s =
        engine("exempt: {identities: [{env: MONITOR_KEY}]}\n", Map.of("MONITOR_KEY", "s3cret"));

    Decision d = decideTimes(s, get("/x", "192.0.2.1").bearer("s3cret"), 10);

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.EXEMPT);
    assertThat(d.exemption()).isEqualTo("identity the value of $MONITOR_KEY");
    assertThat(PolicySummary.describe(s.policy()))
        .contains("identity the value of $MONITOR_KEY")
        .doesNotContain("s3cret");
    assertThat(s.policy().toString()).doesNotContain("s3cret");
  }

  @Test
  void summary_listsEveryExemption() {
    Sluice s =
        engine(
            "exempt:\n"
                + "  addresses: [10.0.0.0/8]\n"
                + "  identities: [{fingerprint: 00000000000000ff}]\n"
                + "  routes: [GET /health]\n");

    assertThat(PolicySummary.describe(s.policy()))
        .contains(
            "Exempt: never limited nor counted, no rate-limit headers (outcome 'exempt'):\n"
                + "  address 10.0.0.0/8\n"
                + "  identity fingerprint 00000000000000ff\n"
                + "  route GET /health\n");
  }

  // ---- mistakes, located ----

  private static PolicyException error(String exempt, Map<String, String> env) {
    return catchThrowableOfType(
        PolicyException.class, () -> PolicyFiles.parse(RULES + exempt, "policy.yaml", env::get));
  }

  @Test
  void badCidr_isLocated() {
    PolicyException e = error("exempt: {addresses: [10.0.0.0/8, 10.0.0.0/33]}\n", Map.of());

    assertThat(e.line()).isEqualTo(6);
    assertThat(e.field()).isEqualTo("exempt.addresses[1]");
    assertThat(e.problem()).contains("invalid prefix length");
  }

  @Test
  void hostName_isRefused() {
    PolicyException e = error("exempt: {addresses: monitor.example.com}\n", Map.of());

    assertThat(e.field()).isEqualTo("exempt.addresses");
    assertThat(e.problem()).contains("host names are not accepted");
  }

  @Test
  void badRoutePattern_isLocated() {
    PolicyException e = error("exempt:\n  routes:\n    - GETT /health\n", Map.of());

    assertThat(e.line()).isEqualTo(8);
    assertThat(e.field()).isEqualTo("exempt.routes[0]");
    assertThat(e.problem()).contains("unknown HTTP method 'GETT'").contains("did you mean 'GET'");
  }

  @Test
  void rawIdentityValue_isRefused() {
    PolicyException e = error("exempt: {identities: [my-api-key]}\n", Map.of());

    assertThat(e.field()).isEqualTo("exempt.identities[0]");
    assertThat(e.problem()).contains("never written in the policy file");
  }

  @Test
  void badFingerprint_isLocated() {
    PolicyException e = error("exempt: {identities: [{fingerprint: xyz}]}\n", Map.of());

    assertThat(e.field()).isEqualTo("exempt.identities[0].fingerprint");
    assertThat(e.problem()).contains("'xyz' is not a fingerprint");
  }

  @Test
  void unsetEnvironmentVariable_isLocated() {
    PolicyException e = error("exempt: {identities: [{env: NOPE}]}\n", Map.of());

    assertThat(e.field()).isEqualTo("exempt.identities[0].env");
    assertThat(e.problem()).startsWith("environment variable NOPE is not set");
  }

  @Test
  void unknownField_suggestsTheNearest() {
    PolicyException e = error("exempt: {adresses: [10.0.0.0/8]}\n", Map.of());

    assertThat(e.problem()).isEqualTo("unknown field 'adresses'; did you mean 'addresses'?");
  }
}
