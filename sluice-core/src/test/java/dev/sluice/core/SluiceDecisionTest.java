package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.http.Header;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.InMemoryStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which rules apply, the binding limit, retry-after, all-or-nothing across rules, and outcomes. */
class SluiceDecisionTest extends EngineFixture {
  private static final KeySource ALL = new KeySource.Constant("all");

  @Test
  void noRuleApplies_isUnlimited_withNoHeaders() {
    Sluice s =
        engine(
            Rule.endpoint("api", Route.parse("/api/**"), ALL, List.of(perHour("api-hourly", 5))));

    Decision d = s.decide(get("/health").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.UNLIMITED);
    assertThat(d.allowed()).isTrue();
    assertThat(d.limits()).isEmpty();
    assertThat(d.binding()).isNull();
    assertThat(d.retryAfterSeconds()).isZero();
    assertThat(s.headers(d)).isEmpty();
  }

  @Test
  void aDryRun_decidesAsARealRequestWouldAndChargesNothing() {
    Sluice s =
        engine(
            Rule.endpoint("api", Route.parse("/api/**"), ALL, List.of(perHour("api-hourly", 2))));
    s.decide(get("/api/x").build());

    Decision dry = s.dryRunAsync(get("/api/x").build()).toCompletableFuture().join();
    Decision real = s.decide(get("/api/x").build());
    Decision dryWhenSpent = s.dryRunAsync(get("/api/x").build()).toCompletableFuture().join();

    assertThat(dry.allowed()).isTrue();
    assertThat(dry.limits().get(0).remaining()).as("what would remain after it").isZero();
    assertThat(real.allowed()).as("the dry run charged nothing").isTrue();
    assertThat(real.limits().get(0).remaining()).isZero();
    assertThat(dryWhenSpent.allowed()).isFalse();
    assertThat(dryWhenSpent.outcome()).isEqualTo(Decision.Outcome.DENIED);
  }

  @Test
  void methodFilter_ruleAppliesOnlyToItsMethods() {
    Sluice s =
        engine(
            Rule.endpoint(
                "login", Route.parse("POST,PUT /login"), ALL, List.of(perHour("login-hourly", 5))));

    assertThat(s.decide(get("/login").build()).outcome()).isEqualTo(Decision.Outcome.UNLIMITED);
    assertThat(s.decide(Request.builder("post", "/login").build()).outcome())
        .isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(s.decide(Request.builder("PUT", "/login/").build()).outcome())
        .isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(s.decide(Request.builder("DELETE", "/login").build()).outcome())
        .isEqualTo(Decision.Outcome.UNLIMITED);
  }

  @Test
  void everyApplicableRule_isEvaluated_inPolicyOrder() {
    Sluice s =
        engine(
            Rule.endpoint("catch-all", Route.parse("/assets/**"), ALL, List.of(perHour("a", 10))),
            Rule.global("global", ALL, List.of(perHour("b", 10))),
            Rule.endpoint(
                "one-asset",
                Route.parse("GET /assets/{id}"),
                ALL,
                List.of(perHour("c", 10), perMinute("d", 10))),
            Rule.endpoint("latest", Route.parse("/assets/latest"), ALL, List.of(perHour("e", 10))),
            Rule.endpoint("other", Route.parse("/other"), ALL, List.of(perHour("f", 10))));

    Decision d = allowed(s, get("/assets/latest"));

    assertThat(d.limits())
        .extracting(LimitStatus::rule)
        .containsExactly("catch-all", "global", "one-asset", "one-asset", "latest");
    assertThat(d.limits())
        .extracting(st -> st.limit().name())
        .containsExactly("a", "b", "c", "d", "e");
  }

  @Test
  void bindingLimit_isTheOneWithLeastRemaining() {
    Sluice s =
        engine(
            Rule.global("global", ALL, List.of(perHour("hourly", 100))),
            Rule.endpoint(
                "search", Route.parse("/search"), ALL, List.of(perMinute("minutely", 5))));

    Decision d = allowed(s, get("/search"));

    assertThat(d.binding().limit().name()).isEqualTo("minutely");
    assertThat(d.binding().remaining()).isEqualTo(4);
  }

  @Test
  void bindingLimit_amongEqualRemaining_isTheOneThatResetsLast() {
    Sluice s =
        engine(
            Rule.global("global", ALL, List.of(perMinute("minutely", 3), perHour("hourly", 3))),
            Rule.endpoint("x", Route.parse("/x"), ALL, List.of(perMinute("x-minutely", 3))));

    Decision d = allowed(s, get("/x"));

    assertThat(d.limits()).extracting(LimitStatus::remaining).containsOnly(2L);
    assertThat(d.binding().limit().name()).isEqualTo("hourly");
  }

  @Test
  void denial_chargesNoRule_andRetryAfterIsTheLatestOfTheDeniedLimits() {
    Sluice s =
        engine(
            Rule.global("global", ALL, List.of(perHour("global-hourly", 100))),
            Rule.endpoint(
                "search",
                Route.parse("/search"),
                ALL,
                List.of(
                    perMinute("minutely", 1),
                    Limit.tokenBucket("burst", 1, Window.of(Duration.ofSeconds(1)), 1))));
    allowed(s, get("/search"));
    ticker.advance(Duration.ofMillis(400));

    Decision d = s.decide(get("/search").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.DENIED);
    assertThat(d.violated())
        .extracting(st -> st.limit().name())
        .containsExactly("minutely", "burst");
    assertThat(d.limits().get(0).passed()).isTrue();
    assertThat(d.limits().get(0).remaining()).as("as it stands, uncharged").isEqualTo(99);
    assertThat(d.retryAtMicros())
        .as("the minute turns at 12:01:00")
        .isEqualTo(START_MICROS + 30_000_000);
    assertThat(d.retryAfterSeconds()).as("29.6 s, rounded up").isEqualTo(30);
    assertThat(remainingAfter(s, get("/elsewhere"))).isEqualTo(98);
  }

  @Test
  void retryAfter_isNeverZero() {
    Sluice s =
        engine(
            Rule.global(
                "global",
                ALL,
                List.of(
                    Limit.tokenBucket("fast", 1_000_000, Window.of(Duration.ofSeconds(1)), 1))));
    allowed(s, get("/"));

    Decision d = s.decide(get("/").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.DENIED);
    assertThat(d.retryAtMicros() - d.nowMicros()).isEqualTo(1);
    assertThat(d.retryAfterSeconds()).isEqualTo(1);
  }

  @Test
  void storeFull_whenItRejects_isUnavailable_withRetryAfterOneSecond() {
    InMemoryStore tiny =
        InMemoryStore.builder()
            .ticker(ticker)
            .executor(Runnable::run)
            .maxBuckets(1)
            .whenFull(dev.sluice.core.store.WhenFull.REJECT)
            .build();
    Sluice s =
        Sluice.builder(
                new dev.sluice.core.policy.Policy(
                    HeaderDialect.X_RATELIMIT,
                    true,
                    DenialFormat.DETAIL,
                    List.of(
                        Rule.global(
                            "per-ip", new KeySource.ClientIp(), List.of(perHour("hourly", 5))))))
            .store(tiny)
            .identitySecret(SECRET)
            .build();
    allowed(s, get("/").clientAddress("10.0.0.1"));

    Decision d = s.decide(get("/").clientAddress("10.0.0.2").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.UNAVAILABLE);
    assertThat(d.allowed()).isFalse();
    assertThat(d.problem()).isEqualTo("the rate-limit store is full and cannot count a new client");
    assertThat(d.retryAfterSeconds()).isEqualTo(1);
    assertThat(s.headers(d)).containsExactly(new Header("Retry-After", "1"));
  }

  @Test
  void decideAsync_decidesAsDecide() throws Exception {
    Sluice s = engine(Rule.global("global", ALL, List.of(perHour("hourly", 2))));

    Decision a = s.decideAsync(get("/").build()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    Decision b = s.decideAsync(get("/").build()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    Decision c = s.decideAsync(get("/").build()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    Decision early =
        engine(Rule.endpoint("x", Route.parse("/x"), ALL, List.of(perHour("x-hourly", 2))))
            .decideAsync(get("/y").build())
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);

    assertThat(a.binding().remaining()).isEqualTo(1);
    assertThat(b.binding().remaining()).isZero();
    assertThat(c.outcome()).isEqualTo(Decision.Outcome.DENIED);
    assertThat(early.outcome()).isEqualTo(Decision.Outcome.UNLIMITED);
  }

  @Test
  void denial_headersAndBody_inThePolicysDialects() {
    Sluice s =
        engine(
            HeaderDialect.BOTH,
            true,
            DenialFormat.ERROR_CODE,
            Rule.global("global", ALL, List.of(perMinute("minute", 1))));
    allowed(s, get("/"));

    Decision d = s.decide(get("/").build());

    assertThat(s.headers(d))
        .containsExactly(
            new Header("X-RateLimit-Limit", "1"),
            new Header("X-RateLimit-Remaining", "0"),
            new Header("X-RateLimit-Reset", Long.toString(START.getEpochSecond() + 30)),
            new Header("RateLimit-Policy", "\"minute\";q=1;w=60"),
            new Header("RateLimit", "\"minute\";r=0;t=30"),
            new Header("Retry-After", "30"));
    assertThat(s.denialBody(d))
        .isEqualTo(
            "{\"error\": {\"code\": \"RATE_LIMITED\", \"message\": \"Rate limit exceeded. Retry"
                + " after 30 seconds.\"}}");
    assertThat(s.denialContentType()).isEqualTo("application/json");
  }

  @Test
  void accessors_returnWhatWasBuilt() {
    Sluice s = engine(Rule.global("global", ALL, List.of(perMinute("minute", 1))));

    assertThat(s.store()).isSameAs(store);
    assertThat(s.policy().rules()).extracting(Rule::name).containsExactly("global");
  }

  @Test
  void decision_nowIsTheStoresClock() {
    Sluice s = engine(Rule.global("global", ALL, List.of(perMinute("minute", 5))));

    ticker.advance(Duration.ofMillis(1_234));

    assertThat(allowed(s, get("/")).nowMicros()).isEqualTo(START_MICROS + 1_234_000);
  }
}
