package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.PathCase;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine puts every request in canonical form itself (issue 16, "No way around a limit"): an
 * embedder handing {@code Sluice.decide} a raw method and path gets the same counting as the
 * gateway. After three magic links for one e-mail, every spelling of a fourth is denied or refused,
 * never allowed.
 */
class SluiceCanonicalRequestTest extends EngineFixture {
  private static final String BODY = "{\"email\": \"a@example.com\"}";

  /** IPTO's magic-link and search rules, with the policy's path case as given. */
  private Sluice ipto(PathCase pathCase) {
    Policy policy =
        new Policy(
            HeaderDialect.X_RATELIMIT,
            true,
            DenialFormat.DETAIL,
            List.of(
                Rule.endpoint(
                    "magic-link",
                    Route.parse("POST /auth/magic-link"),
                    new KeySource.BodyField("email"),
                    List.of(perHour("magic-link", 3))),
                Rule.endpoint(
                    "search",
                    Route.parse("GET /microip/search"),
                    new KeySource.ClientIp(),
                    List.of(perMinute("search", 50)))),
            StoreFailure.OPEN,
            List.of(),
            Map.of(),
            List.of(),
            pathCase);
    return Sluice.builder(policy).store(store).identitySecret(SECRET).build();
  }

  /** Each spelling of a fourth magic link: method, path as an embedder might pass them. */
  static Stream<Arguments> variants() {
    return Stream.of(
        Arguments.of("POST", "/AUTH/MAGIC-LINK"),
        Arguments.of("POST", "/auth/magic-link;x=1"),
        Arguments.of("POST", "/auth/magic-link;"),
        Arguments.of("POST", "/auth/magic-link%3B"),
        Arguments.of("POST", "/auth%2Fmagic-link"),
        Arguments.of("POST", "/auth/magic-link%23x"),
        Arguments.of("POST", "/auth/magic-link."),
        Arguments.of("POST", "/auth/magic-link%20"),
        Arguments.of("POST", "/auth/magic-link%00"),
        Arguments.of("POST", "/auth/magic-link%09"),
        Arguments.of("POST", "/auth\\magic-link"),
        Arguments.of("POST", "/auth%5Cmagic-link"),
        Arguments.of("post", "/auth/magic-link"),
        Arguments.of("Post", "/auth/magic-link"),
        Arguments.of("POST", "/auth/./magic-link"),
        Arguments.of("POST", "//auth//magic-link"),
        Arguments.of("POST", "/auth/magic%2Dlink"),
        Arguments.of("POST", "/auth/x/../magic-link"),
        Arguments.of("POST", "/auth/..;/auth/magic-link"),
        Arguments.of("POST", "/auth/magic-link/"),
        Arguments.of("PoSt", "/auth;v=2/magic-link.%20"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("variants")
  void fourthMagicLink_inAnySpelling_isDeniedOrRefused_neverAllowed(String method, String path) {
    Sluice s = ipto(PathCase.INSENSITIVE);
    for (int i = 0; i < 3; i++) {
      allowed(s, Request.builder("POST", "/auth/magic-link").jsonBody(BODY));
    }

    Decision d = s.decide(Request.builder(method, path).jsonBody(BODY).build());

    assertThat(d.outcome())
        .as("%s %s", method, path)
        .isIn(Decision.Outcome.DENIED, Decision.Outcome.INVALID);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("variants")
  void variantsThatAreNotRefused_countAsTheSameRequest(String method, String path) {
    Sluice s = ipto(PathCase.INSENSITIVE);
    Decision first = s.decide(Request.builder(method, path).jsonBody(BODY).build());
    if (first.outcome() == Decision.Outcome.INVALID) {
      return; // refused: counted by nothing, passed to nothing
    }

    assertThat(first.outcome()).isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(first.binding().remaining()).isEqualTo(2);
    assertThat(remainingAfter(s, Request.builder("POST", "/auth/magic-link").jsonBody(BODY)))
        .isEqualTo(1);
  }

  @Test
  void dotSegmentsAndEncodedUnreserved_matchTheRuleOnTheFifthCall() {
    Sluice s = ipto(PathCase.SENSITIVE);
    for (int i = 0; i < 3; i++) {
      allowed(s, Request.builder("POST", "/auth/magic-link").jsonBody(BODY));
    }
    for (String path : List.of("/auth/./magic-link", "//auth/magic-link", "/auth/magic%2Dlink")) {
      assertThat(s.decide(Request.builder("POST", path).jsonBody(BODY).build()).outcome())
          .as(path)
          .isEqualTo(Decision.Outcome.DENIED);
    }
  }

  @Test
  void pathCase_byDefault_isSensitive_soAnUpperCasePathIsAnotherPath() {
    Sluice s = ipto(PathCase.SENSITIVE);
    for (int i = 0; i < 3; i++) {
      allowed(s, Request.builder("POST", "/auth/magic-link").jsonBody(BODY));
    }

    assertThat(s.decide(Request.builder("POST", "/AUTH/MAGIC-LINK").jsonBody(BODY).build()))
        .extracting(Decision::outcome)
        .isEqualTo(Decision.Outcome.UNLIMITED); // the documented risk of the default
  }

  @Test
  void head_isCountedWithGet_sixtyHeadsGetFiftyThrough() {
    Sluice s = ipto(PathCase.SENSITIVE);
    int allowed = 0;
    for (int i = 0; i < 60; i++) {
      Decision d =
          s.decide(Request.builder("HEAD", "/microip/search").clientAddress("192.0.2.1").build());
      allowed += d.allowed() ? 1 : 0;
      assertThat(d.outcome()).isIn(Decision.Outcome.ALLOWED, Decision.Outcome.DENIED);
    }

    assertThat(allowed).isEqualTo(50);
    assertThat(
            s.decide(Request.builder("GET", "/microip/search").clientAddress("192.0.2.1").build())
                .outcome())
        .as("GET and HEAD share the bucket")
        .isEqualTo(Decision.Outcome.DENIED);
  }

  @Test
  void head_namedByARouteOfTheSamePath_isCountedByThatRuleAlone() {
    Sluice s =
        engine(
            Rule.endpoint(
                "search",
                Route.parse("GET /search"),
                new KeySource.Constant("all"),
                List.of(perMinute("search", 1))),
            Rule.endpoint(
                "search-head",
                Route.parse("HEAD /search"),
                new KeySource.Constant("all"),
                List.of(perMinute("search-head", 2))));

    Decision head = s.decide(Request.builder("HEAD", "/search").build());

    assertThat(head.limits()).extracting(l -> l.rule()).containsExactly("search-head");
    assertThat(s.decide(get("/search").build()).outcome()).isEqualTo(Decision.Outcome.ALLOWED);
  }

  @Test
  void methodThatIsNotAToken_isInvalid_notCountedOrPassed() {
    Sluice s = ipto(PathCase.SENSITIVE);

    Decision d = s.decide(Request.builder("PO ST", "/auth/magic-link").jsonBody(BODY).build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.problem()).contains("'PO ST' is not an HTTP method");
  }

  @Test
  void extensionMethod_isKept_andCountedOnlyByRulesOfAnyMethod() {
    Sluice s =
        engine(
            Rule.endpoint(
                "post-only",
                Route.parse("POST /dav"),
                new KeySource.Constant("all"),
                List.of(perMinute("post-only", 1))),
            Rule.endpoint(
                "any",
                Route.parse("/dav"),
                new KeySource.Constant("all"),
                List.of(perMinute("any", 5))));

    Decision d = s.decide(Request.builder("PROPFIND", "/dav").build());

    assertThat(d.limits()).extracting(l -> l.rule()).containsExactly("any");
  }

  @Test
  void duplicateBodyKey_isInvalid_whicheverOneTheUpstreamReads() {
    Sluice s = ipto(PathCase.SENSITIVE);

    Decision d =
        s.decide(
            Request.builder("POST", "/auth/magic-link")
                .jsonBody("{\"email\": \"a@example.com\", \"email\": \"b@example.com\"}")
                .build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.problem()).contains("'email' twice");
  }

  @Test
  void invalidPath_isInvalid_withWhatIsWrong() {
    Sluice s = ipto(PathCase.SENSITIVE);

    Decision d = s.decide(Request.builder("POST", "/auth%2Fmagic-link").jsonBody(BODY).build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.problem()).contains("encoded slash");
  }

  @Test
  void needsBody_readsTheCanonicalMethodAndPath() {
    Sluice s = ipto(PathCase.INSENSITIVE);

    assertThat(s.needsBody("post", "/Auth/./Magic-Link;x")).isTrue();
    assertThat(s.needsBody("POST", "/auth%2Fmagic-link")).isFalse(); // refused before any body
  }
}
