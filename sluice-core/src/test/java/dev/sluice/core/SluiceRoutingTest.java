package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.Cost;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;

class SluiceRoutingTest extends EngineFixture {

  private Sluice ipLimitedLogin() {
    return engine(
        new Rule(
            "login",
            Route.parse("POST /login"),
            new KeySource.BodyField("email"),
            List.of(perHour("login", 3)),
            Cost.ONE,
            Rule.MissingKey.REJECT),
        new Rule(
            "webdav",
            Route.parse("/dav/**"),
            new KeySource.ClientIp(),
            List.of(perHour("webdav", 3)),
            Cost.ONE,
            Rule.MissingKey.REJECT),
        new Rule(
            "bulk",
            Route.parse("PUT /bulk"),
            new KeySource.ClientIp(),
            List.of(perHour("bulk", 100)),
            new Cost.FromRequest(Cost.From.BODY, "items", 1, 100),
            Rule.MissingKey.REJECT));
  }

  @Test
  void needsBody_onlyWhenAnApplicableRuleReadsTheBody() {
    Sluice s = ipLimitedLogin();

    assertThat(s.needsBody("POST", "/login")).as("key from the body").isTrue();
    assertThat(s.needsBody("PUT", "/bulk")).as("cost from the body").isTrue();
    assertThat(s.needsBody("GET", "/login")).as("the rule covers POST only").isFalse();
    assertThat(s.needsBody("POST", "/dav/a")).isFalse();
    assertThat(s.needsBody("POST", "/elsewhere")).isFalse();
  }

  @Test
  void aMethodNoRouteCanName_matchesOnlyRulesOfAnyMethod() {
    Sluice s = ipLimitedLogin();
    Request propfind = Request.builder("PROPFIND", "/dav/file").clientAddress("10.0.0.1").build();

    assertThat(s.decide(propfind).limits()).extracting(LimitStatus::rule).containsExactly("webdav");
    assertThat(
            s.decide(Request.builder("PROPFIND", "/login").clientAddress("10.0.0.1").build())
                .outcome())
        .isEqualTo(Decision.Outcome.UNLIMITED);
  }
}
