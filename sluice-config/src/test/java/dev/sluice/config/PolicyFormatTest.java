package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.Cost;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.IpRange;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.PathCase;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each field of a valid policy file becomes in the core model, and the defaults. */
class PolicyFormatTest {

  private static Policy parse(String yaml) {
    return PolicyFiles.parse(yaml, "policy.yaml");
  }

  private static final KeySource USER =
      new KeySource.FirstOf(List.of(new KeySource.Bearer(), new KeySource.ClientIp()));

  @Test
  void minimalPolicy_takesEveryDefault() {
    Policy p = parse("global: {limits: 100/minute}\n");

    assertThat(p.headers()).isEqualTo(HeaderDialect.X_RATELIMIT);
    assertThat(p.resetHeader()).isTrue();
    assertThat(p.denial()).isEqualTo(DenialFormat.DETAIL);
    assertThat(p.rules())
        .containsExactly(
            Rule.global(
                "global",
                USER,
                List.of(Limit.fixed("minute", 100, Window.of(Duration.ofMinutes(1))))));
  }

  @Test
  void policySettings_mapToTheirEnums() {
    Policy p =
        parse(
            """
            headers: both
            reset-header: false
            denial: problem
            global: {limits: 1/second}
            """);

    assertThat(p.headers()).isEqualTo(HeaderDialect.BOTH);
    assertThat(p.resetHeader()).isFalse();
    assertThat(p.denial()).isEqualTo(DenialFormat.PROBLEM);
  }

  @Test
  void storeFailureAndTrustedProxies_areReadAndDefaultToOpenAndNone() {
    Policy p =
        parse(
            """
            on-store-failure: local
            trusted-proxies: [10.0.0.0/8, "::1"]
            global: {limits: 1/second}
            """);

    assertThat(p.onStoreFailure()).isEqualTo(StoreFailure.LOCAL);
    assertThat(p.trustedProxies())
        .containsExactly(IpRange.parse("10.0.0.0/8"), IpRange.parse("::1"));
    assertThat(p.isTrustedProxy("10.20.30.40")).isTrue();
    assertThat(p.isTrustedProxy("11.0.0.1")).isFalse();

    Policy defaults = parse("global: {limits: 1/second}\n");
    assertThat(defaults.onStoreFailure()).isEqualTo(StoreFailure.OPEN);
    assertThat(defaults.trustedProxies()).isEmpty();
    assertThat(parse("trusted-proxies: 127.0.0.1\nglobal: {limits: 1/second}\n").trustedProxies())
        .containsExactly(IpRange.parse("127.0.0.1"));
  }

  @Test
  void pathMatching_isReadAndDefaultsToCaseSensitive() {
    assertThat(parse("paths: case-insensitive\nglobal: {limits: 1/second}\n").pathCase())
        .isEqualTo(PathCase.INSENSITIVE);
    assertThat(parse("paths: case-sensitive\nglobal: {limits: 1/second}\n").pathCase())
        .isEqualTo(PathCase.SENSITIVE);
    assertThat(parse("global: {limits: 1/second}\n").pathCase()).isEqualTo(PathCase.SENSITIVE);
    assertThat(
            PolicySummary.describe(parse("paths: case-insensitive\nglobal: {limits: 1/second}\n")))
        .contains("Paths: matched ignoring the case of letters");
    assertThat(PolicySummary.describe(parse("global: {limits: 1/second}\n")))
        .doesNotContain("Paths:");
  }

  @Test
  void tiersWebhooksAndShadowRules_areRead() {
    Policy p =
        parse(
            """
            tiers:
              pro: {scale: 5}
              partner:
                limits:
                  search: [500/minute, 5000/hour]
            webhooks:
              - url: https://hooks.example.com/sluice
                thresholds: [80, 100]
                secret-env: SLUICE_WEBHOOK_SECRET
                rules: [search]
            global: {limits: 100/minute}
            rules:
              - name: search
                route: GET /search
                limits: 50/minute
                shadow: true
            """);

    assertThat(p.tiers()).containsOnlyKeys("pro", "partner");
    assertThat(p.tiers().get("pro").scale()).isEqualTo(5.0);
    assertThat(p.tiers().get("partner").limits().get("search"))
        .extracting(Limit::name, Limit::permits)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("search-minute", 500L),
            org.assertj.core.groups.Tuple.tuple("search-hour", 5000L));
    assertThat(p.tiers().get("pro").limitsFor(p.rule("global")).get(0).permits()).isEqualTo(500);
    assertThat(p.webhooks())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.url()).hasToString("https://hooks.example.com/sluice");
              assertThat(w.thresholds()).containsExactly(80, 100);
              assertThat(w.secretEnv()).isEqualTo("SLUICE_WEBHOOK_SECRET");
              assertThat(w.rules()).containsExactly("search");
            });
    assertThat(p.rule("search").shadow()).isTrue();
    assertThat(p.rule("global").shadow()).isFalse();
  }

  @Test
  void enumValues_ignoreCase() {
    Policy p = parse("headers: X-RateLimit\ndenial: Error-Code\nglobal: {limits: 1/second}\n");

    assertThat(p.headers()).isEqualTo(HeaderDialect.X_RATELIMIT);
    assertThat(p.denial()).isEqualTo(DenialFormat.ERROR_CODE);
  }

  @Test
  void globalLimits_areNamedAfterTheirWindows() {
    Policy p = parse("global:\n  limits: [100/minute, 1000/hour, 10_000/day, 50/15m, 7/week]\n");

    assertThat(p.rules().get(0).limits())
        .extracting(Limit::name)
        .containsExactly("minute", "hour", "day", "15m", "7d");
    assertThat(p.rules().get(0).limits())
        .extracting(Limit::permits)
        .containsExactly(100L, 1000L, 10_000L, 50L, 7L);
  }

  @Test
  void thousandsSeparators_areAcceptedInBlockStyle() {
    Policy p = parse("global:\n  limits:\n    - 1,000/minute\n    - 1_000_000/day\n");

    assertThat(p.rules().get(0).limits())
        .extracting(Limit::permits)
        .containsExactly(1_000L, 1_000_000L);
  }

  @Test
  void durationWindows_acceptEveryUnit() {
    Policy p = parse("global:\n  limits: [10/250ms, 10/30s, 10/2h, 10/3d]\n");

    assertThat(p.rules().get(0).limits())
        .extracting(l -> l.window())
        .containsExactly(
            Window.of(Duration.ofMillis(250)),
            Window.of(Duration.ofSeconds(30)),
            Window.of(Duration.ofHours(2)),
            Window.of(Duration.ofDays(3)));
  }

  @Test
  void ruleWithOneLimit_namesTheLimitAfterTheRule() {
    Policy p =
        parse("rules:\n  - {name: magic-link, route: POST /auth/magic-link, limits: 3/hour}\n");

    assertThat(p.rules().get(0).limits()).extracting(Limit::name).containsExactly("magic-link");
  }

  @Test
  void ruleWithSeveralLimits_namesEachAfterRuleAndWindow() {
    Policy p =
        parse("rules:\n  - {name: search, route: GET /search, limits: [5/second, 50/minute]}\n");

    assertThat(p.rules().get(0).limits())
        .extracting(Limit::name)
        .containsExactly("search-second", "search-minute");
  }

  @Test
  void ruleWithoutName_isNamedAfterItsRoute() {
    Policy p =
        parse(
            """
            rules:
              - route: POST /auth/magic-link
                limits: 3/hour
              - route: PUT,PATCH /assets/{id}
                limits: 20/hour
              - route: /health
                limits: 1/second
            """);

    assertThat(p.rules())
        .extracting(Rule::name)
        .containsExactly("post-auth-magic-link", "put-patch-assets-id", "health");
  }

  @Test
  void routes_parseMethodsAndPath() {
    Policy p =
        parse(
            """
            rules:
              - {route: 'PUT,PATCH /assets/{id}', limits: 20/hour}
              - {route: /health, limits: 1/second}
            """);

    assertThat(p.rules().get(0).route()).isEqualTo(Route.parse("PUT,PATCH /assets/{id}"));
    assertThat(p.rules().get(1).route().methods()).isEmpty();
  }

  @Test
  void routeMethods_mayBeSeparatedByCommaAndSpace() {
    Policy p = parse("rules:\n  - {route: 'PUT, PATCH /assets/{id}', limits: 20/hour}\n");

    assertThat(p.rules().get(0).route()).isEqualTo(Route.parse("PUT,PATCH /assets/{id}"));
    assertThat(p.rules().get(0).name()).isEqualTo("put-patch-assets-id");
  }

  @Test
  void globalRule_comesFirstThenRulesInOrder() {
    Policy p =
        parse(
            """
            rules:
              - {name: b, route: GET /b, limits: 1/second}
              - {name: a, route: GET /a, limits: 1/second}
            global: {limits: 100/minute}
            """);

    assertThat(p.rules()).extracting(Rule::name).containsExactly("global", "b", "a");
    assertThat(p.rules().get(0).isGlobal()).isTrue();
  }

  @Test
  void keySources_mapToTheirRecords() {
    Policy p =
        parse(
            """
            key: ip
            rules:
              - {name: a, route: GET /a, key: bearer, limits: 1/second}
              - {name: b, route: GET /b, key: 'header:X-API-Key', limits: 1/second}
              - {name: c, route: GET /c, key: 'body:user.email', limits: 1/second}
              - {name: d, route: 'GET /d/{id}', key: 'path:id', limits: 1/second}
              - {name: e, route: GET /e, key: 'query:api_key', limits: 1/second}
              - {name: f, route: GET /f, key: 'const:everyone', limits: 1/second}
              - {name: g, route: GET /g, limits: 1/second}
            """);

    assertThat(p.rules())
        .extracting(Rule::key)
        .containsExactly(
            new KeySource.Bearer(),
            new KeySource.Header("X-API-Key"),
            new KeySource.BodyField("user.email"),
            new KeySource.PathParam("id"),
            new KeySource.QueryParam("api_key"),
            new KeySource.Constant("everyone"),
            new KeySource.ClientIp());
  }

  @Test
  void keyList_isAFallbackChain() {
    Policy p = parse("global:\n  key: [header:X-API-Key, ip]\n  limits: 1,000/minute\n");

    assertThat(p.rules().get(0).key())
        .isEqualTo(
            new KeySource.FirstOf(
                List.of(new KeySource.Header("X-API-Key"), new KeySource.ClientIp())));
  }

  @Test
  void keyListOfOne_isThatSource() {
    Policy p = parse("global: {key: [ip], limits: 1/second}\n");

    assertThat(p.rules().get(0).key()).isEqualTo(new KeySource.ClientIp());
  }

  @Test
  void defaultKey_appliesToGlobalAndRulesWithoutKey() {
    Policy p =
        parse(
            """
            key: header:X-API-Key
            global: {limits: 100/minute}
            rules:
              - {route: GET /a, limits: 1/second}
            """);

    assertThat(p.rules()).extracting(Rule::key).containsOnly(new KeySource.Header("X-API-Key"));
  }

  @Test
  void algorithm_policyDefaultRuleOverrideAndLimitOverride() {
    Policy p =
        parse(
            """
            algorithm: sliding
            global: {limits: 100/minute}
            rules:
              - name: api
                route: GET /api
                algorithm: token-bucket
                limits:
                  - 10/second
                  - {limit: 1000/hour, algorithm: fixed}
            """);

    assertThat(p.rules().get(0).limits().get(0).algorithm()).isEqualTo(Algorithm.SLIDING_WINDOW);
    assertThat(p.rules().get(1).limits())
        .extracting(Limit::algorithm)
        .containsExactly(Algorithm.TOKEN_BUCKET, Algorithm.FIXED_WINDOW);
  }

  @Test
  void longFormLimit_setsAlgorithmBurstAndName() {
    Policy p =
        parse(
            """
            global:
              limits:
                - {limit: 10/second, algorithm: token-bucket, burst: 20, name: api-burst}
            """);

    assertThat(p.rules().get(0).limits())
        .containsExactly(Limit.tokenBucket("api-burst", 10, Window.of(Duration.ofSeconds(1)), 20));
  }

  @Test
  void tokenBucketWithoutBurst_burstsUpToItsRate() {
    Policy p = parse("global: {algorithm: token-bucket, limits: 10/second}\n");

    assertThat(p.rules().get(0).limits().get(0).burst()).isEqualTo(10);
  }

  @Test
  void lifetimeLimit_isAFixedCounterEvenWhenTheDefaultAlgorithmIsNot() {
    Policy p =
        parse(
            """
            algorithm: token-bucket
            lifetime-retention: 7d
            rules:
              - {name: verify, route: POST /auth/verify, algorithm: sliding, limits: 5/lifetime}
            """);

    Limit l = p.rules().get(0).limits().get(0);
    assertThat(l).isEqualTo(Limit.fixed("verify", 5, Window.lifetime(Duration.ofDays(7))));
  }

  @Test
  void lifetimeRetention_defaultsToThirtyDays() {
    Policy p = parse("global: {limits: 5/lifetime}\n");

    assertThat(p.rules().get(0).limits().get(0).window())
        .isEqualTo(Window.lifetime(Duration.ofDays(30)));
    assertThat(p.rules().get(0).limits().get(0).name()).isEqualTo("lifetime");
  }

  @Test
  void fixedCost_andMissingKeySkip() {
    Policy p =
        parse(
            """
            rules:
              - {route: POST /bulk, cost: 5, on-missing-key: skip, key: 'header:X-Tenant',
                 limits: 100/minute}
            """);

    Rule r = p.rules().get(0);
    assertThat(r.cost()).isEqualTo(new Cost.Fixed(5));
    assertThat(r.onMissingKey()).isEqualTo(Rule.MissingKey.SKIP);
  }

  @Test
  void costFromRequest_readsQueryHeaderOrBody() {
    Policy p =
        parse(
            """
            rules:
              - {route: GET /a, cost: {query: count, default: 2, max: 50}, limits: 100/minute}
              - {route: GET /b, cost: {header: X-Units}, limits: [100/minute, 30/second]}
              - {route: GET /c, cost: {body: items.count, default: 0, max: 9}, limits: 10/minute}
            """);

    assertThat(p.rules())
        .extracting(Rule::cost)
        .containsExactly(
            new Cost.FromRequest(Cost.From.QUERY, "count", 2, 50),
            new Cost.FromRequest(Cost.From.HEADER, "X-Units", 1, 30),
            new Cost.FromRequest(Cost.From.BODY, "items.count", 0, 9));
  }

  @Test
  void anchorsAndAliases_shareLimitsBetweenRules() {
    Policy p =
        parse(
            """
            rules:
              - {name: a, route: GET /a, key: &user [bearer, ip], limits: 1/second}
              - {name: b, route: GET /b, key: *user, limits: 2/second}
            """);

    assertThat(p.rules().get(1).key()).isEqualTo(USER);
  }

  @Test
  void byteOrderMark_isIgnored() {
    assertThat(parse("\uFEFFglobal: {limits: 1/second}\n").rules()).hasSize(1);
  }
}
