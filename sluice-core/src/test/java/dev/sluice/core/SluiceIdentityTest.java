package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.Cost;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Who is counted: every key source, fallback chains, identity namespaces, missing identities. */
class SluiceIdentityTest extends EngineFixture {

  private Sluice perSource(KeySource source) {
    return engine(Rule.global("per-id", source, List.of(perHour("hourly", 10))));
  }

  // ---- bearer ----

  @Test
  void bearer_sameToken_sameBucket_otherToken_otherBucket() {
    Sluice s = perSource(new KeySource.Bearer());

    assertThat(remainingAfter(s, get("/").bearer("abc"))).isEqualTo(9);
    assertThat(remainingAfter(s, get("/").bearer("abc"))).isEqualTo(8);
    assertThat(remainingAfter(s, get("/").bearer("xyz"))).isEqualTo(9);
  }

  @Test
  void bearer_schemeIsCaseInsensitive_andTheTokenIsTrimmed() {
    Sluice s = perSource(new KeySource.Bearer());

    assertThat(remainingAfter(s, get("/").header("Authorization", "Bearer abc"))).isEqualTo(9);
    assertThat(remainingAfter(s, get("/").header("authorization", "bearer abc"))).isEqualTo(8);
    assertThat(remainingAfter(s, get("/").header("AUTHORIZATION", "BEARER abc"))).isEqualTo(7);
    assertThat(remainingAfter(s, get("/").header("Authorization", "bEaReR    abc  "))).isEqualTo(6);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "Bearer",
        "Bearer ",
        "Bearer     ",
        "Bearerabc",
        "Basic YWxhZGRpbjpvcGVu",
        "abc",
        "Token abc",
        "Bearer\tabc"
      })
  void bearer_missingOrGarbage_isInvalidAndNamesRuleAndSource(String authorization) {
    Sluice s = perSource(new KeySource.Bearer());

    Decision d = s.decide(get("/").header("Authorization", authorization).build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.allowed()).isFalse();
    assertThat(d.problem())
        .isEqualTo("rule 'per-id' counts requests per bearer token, and this request has none");
    assertThat(d.limits()).isEmpty();
    assertThat(d.retryAfterSeconds()).isZero();
  }

  @Test
  void bearer_noAuthorizationHeader_isInvalid() {
    Decision d = perSource(new KeySource.Bearer()).decide(get("/").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
  }

  // ---- the other sources ----

  @Test
  void header_countsPerValue_nameIsCaseInsensitive() {
    Sluice s = perSource(new KeySource.Header("X-API-Key"));

    assertThat(remainingAfter(s, get("/").header("X-API-Key", "k1"))).isEqualTo(9);
    assertThat(remainingAfter(s, get("/").header("x-api-key", "k1"))).isEqualTo(8);
    assertThat(remainingAfter(s, get("/").header("X-Api-Key", "k2"))).isEqualTo(9);
  }

  @Test
  void header_emptyValue_isMissing() {
    Decision d =
        perSource(new KeySource.Header("X-API-Key"))
            .decide(get("/").header("X-API-Key", "").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.problem())
        .isEqualTo("rule 'per-id' counts requests per header X-API-Key, and this request has none");
  }

  @Test
  void clientIp_countsPerAddress() {
    Sluice s = perSource(new KeySource.ClientIp());

    assertThat(remainingAfter(s, get("/").clientAddress("10.0.0.1"))).isEqualTo(9);
    assertThat(remainingAfter(s, get("/").clientAddress("10.0.0.1"))).isEqualTo(8);
    assertThat(remainingAfter(s, get("/").clientAddress("2001:db8::1"))).isEqualTo(9);
    assertThat(s.decide(get("/").build()).problem())
        .isEqualTo("rule 'per-id' counts requests per client IP, and this request has none");
  }

  @Test
  void bodyField_countsPerValue() {
    Sluice s =
        engine(
            Rule.endpoint(
                "magic-link",
                Route.parse("POST /auth/magic-link"),
                new KeySource.BodyField("user.email"),
                List.of(perHour("hourly", 3))));

    assertThat(
            remainingAfter(
                s, Request.builder("POST", "/auth/magic-link").bodyField("user.email", "a@x.io")))
        .isEqualTo(2);
    assertThat(
            remainingAfter(
                s, Request.builder("POST", "/auth/magic-link").bodyField("user.email", "b@x.io")))
        .isEqualTo(2);
    Decision missing =
        s.decide(Request.builder("POST", "/auth/magic-link").bodyField("email", "a@x.io").build());
    assertThat(missing.problem())
        .isEqualTo(
            "rule 'magic-link' counts requests per body field user.email, and this request has"
                + " none");
  }

  @Test
  void pathParameter_countsPerValue_ofTheRulesOwnRoute() {
    Sluice s =
        engine(
            Rule.endpoint(
                "per-user",
                Route.parse("/users/{id}/posts"),
                new KeySource.PathParam("id"),
                List.of(perHour("hourly", 5))));

    assertThat(remainingAfter(s, get("/users/1/posts"))).isEqualTo(4);
    assertThat(remainingAfter(s, get("/users/1/posts/"))).isEqualTo(3);
    assertThat(remainingAfter(s, get("/users/2/posts"))).isEqualTo(4);
  }

  @Test
  void pathParameter_sameNameInTwoRoutes_readsEachRoutesOwnSegment() {
    Sluice s =
        engine(
            Rule.endpoint(
                "by-org",
                Route.parse("/orgs/{id}/repos/{repo}"),
                new KeySource.PathParam("id"),
                List.of(perHour("org-hourly", 5))),
            Rule.endpoint(
                "by-repo",
                Route.parse("/orgs/{org}/repos/{id}"),
                new KeySource.PathParam("id"),
                List.of(perHour("repo-hourly", 7))));

    Decision a = allowed(s, get("/orgs/acme/repos/one"));
    Decision b = allowed(s, get("/orgs/acme/repos/two"));

    assertThat(a.limits()).extracting(LimitStatus::remaining).containsExactly(4L, 6L);
    assertThat(b.limits())
        .as("same org, other repo")
        .extracting(LimitStatus::remaining)
        .containsExactly(3L, 6L);
  }

  @Test
  void queryParameter_countsPerValue() {
    Sluice s = perSource(new KeySource.QueryParam("api_key"));

    assertThat(remainingAfter(s, get("/search?q=x&api_key=k1"))).isEqualTo(9);
    assertThat(remainingAfter(s, get("/search").query("api_key", "k1"))).isEqualTo(8);
    assertThat(remainingAfter(s, get("/search?api_key=k%32"))).as("decoded: k2").isEqualTo(9);
    assertThat(remainingAfter(s, get("/search?api_key=k2"))).isEqualTo(8);
    assertThat(s.decide(get("/search?api_key=").build()).outcome())
        .isEqualTo(Decision.Outcome.INVALID);
  }

  @Test
  void constant_everyoneSharesOneBucket() {
    Sluice s = perSource(new KeySource.Constant("all"));

    assertThat(remainingAfter(s, get("/").clientAddress("10.0.0.1").bearer("a"))).isEqualTo(9);
    assertThat(remainingAfter(s, get("/other").clientAddress("10.0.0.2"))).isEqualTo(8);
    assertThat(remainingAfter(s, get("/"))).isEqualTo(7);
  }

  // ---- fallback chains and namespaces ----

  @Test
  void fallbackChain_firstSourceThatFindsAnIdentityWins() {
    Sluice s =
        perSource(
            new KeySource.FirstOf(
                List.of(new KeySource.Header("X-API-Key"), new KeySource.ClientIp())));

    assertThat(remainingAfter(s, get("/").header("X-API-Key", "k1").clientAddress("10.0.0.1")))
        .isEqualTo(9);
    assertThat(remainingAfter(s, get("/").header("X-API-Key", "k1").clientAddress("10.0.0.2")))
        .as("counted by key, whatever the address")
        .isEqualTo(8);
    assertThat(remainingAfter(s, get("/").clientAddress("10.0.0.1")))
        .as("no key: counted by address, a bucket of its own")
        .isEqualTo(9);
    assertThat(remainingAfter(s, get("/").header("X-API-Key", "").clientAddress("10.0.0.1")))
        .as("an empty key is no key")
        .isEqualTo(8);
  }

  @Test
  void fallbackChain_orderMatters() {
    Sluice s =
        perSource(
            new KeySource.FirstOf(
                List.of(new KeySource.ClientIp(), new KeySource.Header("X-API-Key"))));

    assertThat(remainingAfter(s, get("/").header("X-API-Key", "k1").clientAddress("10.0.0.1")))
        .isEqualTo(9);
    assertThat(remainingAfter(s, get("/").header("X-API-Key", "k2").clientAddress("10.0.0.1")))
        .isEqualTo(8);
    assertThat(remainingAfter(s, get("/").header("X-API-Key", "k1"))).isEqualTo(9);
  }

  @Test
  void fallbackChain_nothingFound_isInvalidAndNamesTheWholeChain() {
    Sluice s =
        perSource(
            new KeySource.FirstOf(
                List.of(
                    new KeySource.Bearer(),
                    new KeySource.Header("X-API-Key"),
                    new KeySource.ClientIp())));

    Decision d = s.decide(get("/").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.problem())
        .isEqualTo(
            "rule 'per-id' counts requests per bearer token, else header X-API-Key,"
                + " else client IP, and this request has none");
  }

  @Test
  void identityNamespaces_sameStringFromHeaderAndFromAddress_areDifferentBuckets() {
    Sluice s =
        engine(
            Rule.global(
                "per-client",
                new KeySource.FirstOf(
                    List.of(new KeySource.Header("X-Client"), new KeySource.ClientIp())),
                List.of(perHour("hourly", 1))));

    allowed(s, get("/").header("X-Client", "10.0.0.1"));

    assertThat(s.decide(get("/").clientAddress("10.0.0.1").build()).outcome())
        .isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(s.decide(get("/").header("X-Client", "10.0.0.1").build()).outcome())
        .isEqualTo(Decision.Outcome.DENIED);
  }

  @Test
  void identityNamespaces_sameStringFromTwoHeaders_areDifferentBuckets() {
    Sluice s =
        perSource(
            new KeySource.FirstOf(
                List.of(new KeySource.Header("X-User"), new KeySource.Header("X-Team"))));

    assertThat(remainingAfter(s, get("/").header("X-User", "acme"))).isEqualTo(9);
    assertThat(remainingAfter(s, get("/").header("X-Team", "acme"))).isEqualTo(9);
  }

  // ---- missing identities ----

  @Test
  void missingIdentity_chargesNoOtherRule() {
    Sluice s =
        engine(
            Rule.global("per-ip", new KeySource.ClientIp(), List.of(perHour("ip-hourly", 10))),
            Rule.endpoint(
                "per-email",
                Route.parse("POST /auth/magic-link"),
                new KeySource.BodyField("email"),
                List.of(perHour("email-hourly", 3))));

    Decision d =
        s.decide(Request.builder("POST", "/auth/magic-link").clientAddress("10.0.0.1").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(remainingAfter(s, get("/").clientAddress("10.0.0.1")))
        .as("per-ip was not charged")
        .isEqualTo(9);
  }

  @Test
  void missingIdentity_skip_ruleDoesNotApply_othersStillDo() {
    Sluice s =
        engine(
            Rule.global("per-ip", new KeySource.ClientIp(), List.of(perHour("ip-hourly", 10))),
            new Rule(
                "per-user",
                null,
                new KeySource.Bearer(),
                List.of(perHour("user-hourly", 3)),
                Cost.ONE,
                Rule.MissingKey.SKIP));

    Decision anonymous = allowed(s, get("/").clientAddress("10.0.0.1"));
    Decision signedIn = allowed(s, get("/").clientAddress("10.0.0.1").bearer("t"));

    assertThat(anonymous.limits()).extracting(st -> st.limit().name()).containsExactly("ip-hourly");
    assertThat(signedIn.limits())
        .extracting(st -> st.limit().name())
        .containsExactly("ip-hourly", "user-hourly");
  }

  @Test
  void missingIdentity_skip_noRuleLeft_isUnlimited() {
    Sluice s =
        engine(
            new Rule(
                "per-user",
                null,
                new KeySource.Bearer(),
                List.of(perHour("user-hourly", 3)),
                Cost.ONE,
                Rule.MissingKey.SKIP));

    Decision d = s.decide(get("/").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.UNLIMITED);
    assertThat(d.allowed()).isTrue();
  }
}
