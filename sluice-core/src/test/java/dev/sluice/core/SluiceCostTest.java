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

/** What a request costs: fixed, or read from a header, query parameter or body field. */
class SluiceCostTest extends EngineFixture {

  private Sluice bulk(Cost cost) {
    return engine(
        new Rule(
            "bulk",
            Route.parse("/bulk"),
            new KeySource.Constant("all"),
            List.of(perHour("bulk-hourly", 20)),
            cost,
            Rule.MissingKey.REJECT));
  }

  private static Cost fromHeader() {
    return new Cost.FromRequest(Cost.From.HEADER, "X-Cost", 1, 10);
  }

  @Test
  void fixedCost_isChargedToEveryLimitOfTheRule() {
    Sluice s =
        engine(
            new Rule(
                "bulk",
                null,
                new KeySource.Constant("all"),
                List.of(perHour("hourly", 20), perMinute("minutely", 12)),
                new Cost.Fixed(5),
                Rule.MissingKey.REJECT));

    Decision d = allowed(s, get("/"));

    assertThat(d.limits()).extracting(LimitStatus::remaining).containsExactly(15L, 7L);
  }

  @Test
  void costFromHeader_isCharged() {
    Sluice s = bulk(fromHeader());

    assertThat(remainingAfter(s, get("/bulk").header("X-Cost", "5"))).isEqualTo(15);
    assertThat(remainingAfter(s, get("/bulk").header("x-cost", " 7 "))).isEqualTo(8);
    assertThat(remainingAfter(s, get("/bulk").header("X-Cost", "007"))).isEqualTo(1);
  }

  @Test
  void costFromHeader_absent_isTheDefault() {
    assertThat(remainingAfter(bulk(fromHeader()), get("/bulk"))).isEqualTo(19);
  }

  @Test
  void costZero_readsWithoutCharging() {
    Sluice s = bulk(fromHeader());
    allowed(s, get("/bulk").header("X-Cost", "10"));

    for (int i = 0; i < 5; i++) {
      assertThat(remainingAfter(s, get("/bulk").header("X-Cost", "0"))).isEqualTo(10);
    }
  }

  @Test
  void costFromQuery_and_fromBody() {
    Sluice q = bulk(new Cost.FromRequest(Cost.From.QUERY, "n", 2, 5));
    assertThat(remainingAfter(q, get("/bulk?n=3"))).isEqualTo(17);
    assertThat(remainingAfter(q, get("/bulk"))).isEqualTo(15);

    Sluice b =
        engine(
            new Rule(
                "batch",
                Route.parse("POST /batch"),
                new KeySource.Constant("all"),
                List.of(perHour("batch-hourly", 20)),
                new Cost.FromRequest(Cost.From.BODY, "items.count", 1, 10),
                Rule.MissingKey.REJECT));
    assertThat(remainingAfter(b, Request.builder("POST", "/batch").bodyField("items.count", "4")))
        .isEqualTo(16);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"11", "abc", "-1", "+3", "1.5", "", "   ", "99999999999", "1e3", "0x5", "٣"})
  void costFromRequest_notAWholeNumberWithinMax_isInvalidAndChargesNothing(String raw) {
    Sluice s =
        engine(
            Rule.global(
                "global", new KeySource.Constant("all"), List.of(perHour("global-hourly", 100))),
            new Rule(
                "bulk",
                Route.parse("/bulk"),
                new KeySource.Constant("all"),
                List.of(perHour("bulk-hourly", 20)),
                fromHeader(),
                Rule.MissingKey.REJECT));

    Decision d = s.decide(get("/bulk").header("X-Cost", raw).build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.problem())
        .isEqualTo(
            "rule 'bulk' reads the request's cost from header 'X-Cost', which must be a whole"
                + " number from 0 to 10");
    assertThat(remainingAfter(s, get("/elsewhere")))
        .as("the global rule was not charged")
        .isEqualTo(99);
  }

  @Test
  void costFromQuery_invalid_messageNamesTheQueryParameter() {
    Decision d =
        bulk(new Cost.FromRequest(Cost.From.QUERY, "n", 2, 5)).decide(get("/bulk?n=six").build());

    assertThat(d.problem())
        .isEqualTo(
            "rule 'bulk' reads the request's cost from query 'n', which must be a whole number from"
                + " 0 to 5");
  }

  @Test
  void costPerRule_eachRuleChargesItsOwn() {
    Sluice s =
        engine(
            Rule.global(
                "global", new KeySource.Constant("all"), List.of(perHour("global-hourly", 100))),
            new Rule(
                "bulk",
                Route.parse("/bulk"),
                new KeySource.Constant("all"),
                List.of(perHour("bulk-hourly", 20)),
                new Cost.Fixed(10),
                Rule.MissingKey.REJECT));

    Decision d = allowed(s, get("/bulk"));

    assertThat(d.limits()).extracting(LimitStatus::remaining).containsExactly(99L, 10L);
  }

  @Test
  void costAboveTheLimitsCapacity_isInvalid_notA429_andChargesNothing() {
    Sluice s =
        engine(
            new Rule(
                "bulk",
                Route.parse("/bulk"),
                new KeySource.Constant("all"),
                List.of(perMinute("bulk-minutely", 5)),
                new Cost.FromRequest(Cost.From.HEADER, "X-Cost", 1, 10),
                Rule.MissingKey.REJECT));
    allowed(s, get("/bulk"));

    Decision d = s.decide(get("/bulk").header("X-Cost", "6").build());

    assertThat(d.outcome()).as("retrying can never help").isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.problem())
        .isEqualTo(
            "the request costs more than limit 'bulk-minutely' of rule 'bulk' can ever allow (5)");
    assertThat(d.retryAfterSeconds()).isZero();
    assertThat(remainingAfter(s, get("/bulk"))).isEqualTo(3);
  }

  @Test
  void hugeCostOverride_isInvalid_andLeavesTheCountAlone() {
    Sluice s =
        engine(
            new Rule(
                "bulk",
                Route.parse("/bulk"),
                new KeySource.Constant("all"),
                List.of(perHour("bulk-hourly", 20)),
                new Cost.Fixed(1),
                Rule.MissingKey.REJECT));
    allowed(s, get("/bulk"));
    allowed(s, get("/bulk"));
    Request plain = get("/bulk").build();
    RequestView huge = new RequestView() { // as a server adapter passing a caller's cost through
          @Override
          public String method() {
            return plain.method();
          }

          @Override
          public String path() {
            return plain.path();
          }

          @Override
          public String header(String name) {
            return plain.header(name);
          }

          @Override
          public String clientAddress() {
            return plain.clientAddress();
          }

          @Override
          public String queryParameter(String name) {
            return plain.queryParameter(name);
          }

          @Override
          public String bodyField(String path) {
            return plain.bodyField(path);
          }

          @Override
          public long costOverride() {
            return Long.MAX_VALUE;
          }
        };

    Decision d = s.decide(huge);

    assertThat(d.outcome())
        .as("count + cost once wrapped, and was admitted")
        .isEqualTo(Decision.Outcome.INVALID);
    assertThat(remainingAfter(s, get("/bulk"))).as("the count is intact").isEqualTo(17);
  }

  @Test
  void negativeCostInACharge_isRefused() {
    dev.sluice.core.store.InMemoryStore store = dev.sluice.core.store.InMemoryStore.create();
    dev.sluice.core.store.BucketGroup g = store.group("g", List.of(perHour("hourly", 5)));

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new dev.sluice.core.store.Charge(1).add(g, 1, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }
}
