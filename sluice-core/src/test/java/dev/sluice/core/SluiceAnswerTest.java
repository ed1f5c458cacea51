package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.http.Header;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Sluice#answer}: one mapping from decisions to what a front door answers. */
class SluiceAnswerTest extends EngineFixture {
  private static final KeySource ALL = new KeySource.Constant("all");

  private Sluice twoPerHour(DenialFormat denial) {
    return engine(
        HeaderDialect.X_RATELIMIT,
        true,
        denial,
        Rule.endpoint("api", Route.parse("/api/**"), ALL, List.of(perHour("hourly", 2))),
        Rule.endpoint(
            "keyed",
            Route.parse("POST /keyed"),
            new KeySource.Header("X-Api-Key"),
            List.of(perHour("keyed", 2))));
  }

  @Test
  void anAllowedRequestPassesWithThePolicysHeaders() {
    Sluice s = twoPerHour(DenialFormat.DETAIL);
    Decision d = s.decide(get("/api/x").build());

    Answer a = s.answer(d);

    assertThat(a).isInstanceOf(Answer.Pass.class);
    assertThat(a.passes()).isTrue();
    assertThat(a.headers())
        .isEqualTo(s.headers(d))
        .extracting(Header::name)
        .contains("X-RateLimit-Remaining");
  }

  @Test
  void aRequestNoRuleCoversPassesWithNoHeaders() {
    Sluice s = twoPerHour(DenialFormat.DETAIL);

    Answer a = s.answer(s.decide(get("/elsewhere").build()));

    assertThat(a).isEqualTo(new Answer.Pass(List.of()));
  }

  @Test
  void aDenialIsA429WithThePolicysBodyAndRetryAfter() {
    Sluice s = twoPerHour(DenialFormat.DETAIL);
    s.decide(get("/api/x").build());
    s.decide(get("/api/x").build());
    Decision d = s.decide(get("/api/x").build());

    Answer.Refuse no = (Answer.Refuse) s.answer(d);

    assertThat(no.status()).isEqualTo(429);
    assertThat(no.passes()).isFalse();
    assertThat(no.contentType()).isEqualTo("application/json");
    assertThat(no.body()).isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": 3570}");
    assertThat(no.headers()).contains(new Header("Retry-After", "3570"));
  }

  @Test
  void aProblemDenialSaysSoInItsContentType() {
    Sluice s = twoPerHour(DenialFormat.PROBLEM);
    s.decide(get("/api/x").build());
    s.decide(get("/api/x").build());

    Answer.Refuse no = (Answer.Refuse) s.answer(s.decide(get("/api/x").build()));

    assertThat(no.contentType()).isEqualTo("application/problem+json");
    assertThat(no.body()).contains("\"status\": 429");
  }

  @Test
  void aRequestThePolicyCannotCountIsA400WithAJsonErrorNamingTheProblem() {
    Sluice s = twoPerHour(DenialFormat.DETAIL);

    Answer.Refuse no =
        (Answer.Refuse) s.answer(s.decide(Request.builder("POST", "/keyed").build()));

    assertThat(no.status()).isEqualTo(400);
    assertThat(no.contentType()).isEqualTo("application/json");
    assertThat(no.body())
        .startsWith("{\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":\"rule 'keyed' counts")
        .endsWith("\"}}");
  }

  @Test
  void anInvalidPathIsA400Too() {
    Sluice s = twoPerHour(DenialFormat.DETAIL);

    Answer.Refuse no = (Answer.Refuse) s.answer(s.decide(get("/api/a%2Fb").build()));

    assertThat(no.status()).isEqualTo(400);
    assertThat(no.body()).contains("encoded slash");
  }
}
