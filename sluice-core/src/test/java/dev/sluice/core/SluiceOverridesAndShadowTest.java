package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import dev.sluice.core.policy.Tier;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tiers, per-identity overrides, shadow rules and identity tracking, through the engine. */
class SluiceOverridesAndShadowTest extends EngineFixture {
  static final KeySource API_KEY = new KeySource.Header("X-Api-Key");

  final Overrides overrides = new Overrides(ticker);

  Sluice engine(List<Rule> rules, Map<String, Tier> tiers) {
    Policy policy =
        new Policy(
            HeaderDialect.X_RATELIMIT,
            true,
            DenialFormat.DETAIL,
            rules,
            StoreFailure.OPEN,
            List.of(),
            tiers,
            List.of());
    return Sluice.builder(policy)
        .store(store)
        .identitySecret(SECRET)
        .overrides(overrides)
        .trackIdentities(true)
        .build();
  }

  static Request.Builder key(String k) {
    return get("/search").header("X-Api-Key", k);
  }

  final Rule global = Rule.global("global", API_KEY, List.of(perMinute("minute", 10)));
  final Rule search =
      Rule.endpoint("search", Route.parse("GET /search"), API_KEY, List.of(perMinute("search", 2)));
  final Map<String, Tier> tiers =
      Map.of(
          "pro", new Tier("pro", 5, Map.of()),
          "partner", new Tier("partner", 1, Map.of("search", List.of(perMinute("search", 50)))));

  @Test
  void fingerprint_isTheSameForAValueOnEveryRuleAndDependsOnTheSecret() {
    Sluice s = engine(List.of(global, search), tiers);
    Decision d = s.decide(key("k1").build());

    assertThat(d.buckets())
        .extracting(Decision.Bucket::fingerprint)
        .containsOnly(s.fingerprint("k1"));
    assertThat(Sluice.fingerprintText(s.fingerprint("k1"))).hasSize(16).matches("[0-9a-f]{16}");
    Sluice other = Sluice.builder(s.policy()).identitySecret("fedcba9876543210".getBytes()).build();
    assertThat(other.fingerprint("k1")).isNotEqualTo(s.fingerprint("k1"));
  }

  @Test
  void aTierScalesEveryRuleItDoesNotList() {
    Sluice s = engine(List.of(global, search), tiers);
    overrides.put(s.fingerprint("k1"), KeyOverride.tier("pro"));

    Decision d = s.decide(key("k1").build());

    assertThat(d.limits()).extracting(l -> l.limit().permits()).containsExactly(50L, 10L);
    assertThat(d.buckets()).extracting(Decision.Bucket::variant).containsOnly("pro");
    assertThat(s.decide(key("k2").build()).limits())
        .extracting(l -> l.limit().permits())
        .as("others keep the defaults")
        .containsExactly(10L, 2L);
  }

  @Test
  void aTierReplacesTheLimitsOfTheRulesItLists() {
    Sluice s = engine(List.of(global, search), tiers);
    overrides.put(s.fingerprint("k1"), KeyOverride.tier("partner"));

    for (int i = 0; i < 10; i++) {
      assertThat(s.decide(key("k1").build()).allowed()).isTrue();
    }
    Decision d = s.decide(key("k1").build());

    assertThat(d.allowed()).as("global is unscaled (scale 1): 10 per minute").isFalse();
    assertThat(d.limits().get(1).limit().permits()).isEqualTo(50);
  }

  @Test
  void ownLimitsWinOverTheTierAndExpire() {
    Sluice s = engine(List.of(global, search), tiers);
    Instant expiry = START.plus(Duration.ofMinutes(10));
    overrides.put(
        s.fingerprint("k1"),
        new KeyOverride("pro", Map.of("search", List.of(perMinute("search", 7))), expiry));

    assertThat(s.decide(key("k1").build()).limits())
        .extracting(l -> l.limit().permits())
        .containsExactly(50L, 7L);
    ticker.set(expiry);
    assertThat(s.decide(key("k1").build()).limits())
        .extracting(l -> l.limit().permits())
        .as("expired: back to the defaults")
        .containsExactly(10L, 2L);
    assertThat(overrides.removeExpired()).isEqualTo(1);
  }

  /**
   * The group of an identity's own limits is named from the limits' text, hashed with SHA-256: the
   * same name in every JVM, so instances sharing a store count such an identity together, and a
   * restart keeps its count. The constant is SHA-256("search 12/minute 60000000\n"), first 8 bytes.
   */
  @Test
  void ownLimits_areCountedInAGroupNamedAlikeInEveryJvm() {
    Sluice s = engine(List.of(global, search), tiers);
    overrides.put(
        s.fingerprint("k1"),
        new KeyOverride(null, Map.of("search", List.of(perMinute("search", 12))), null));

    Decision d = s.decide(key("k1").build());

    assertThat(d.buckets())
        .extracting(Decision.Bucket::variant)
        .containsExactly(null, "custom-d70f20e9a2fb560f");
    assertThat(CompiledRule.customVariant(List.of(perMinute("search", 12))))
        .as("the same limits, made again: the same name")
        .isEqualTo("custom-d70f20e9a2fb560f");
    assertThat(
            CompiledRule.customVariant(
                List.of(Limit.sliding("search", 12, Window.of(Duration.ofMinutes(1))))))
        .as("counted otherwise: another group")
        .isNotEqualTo("custom-d70f20e9a2fb560f");
  }

  @Test
  void anOverride_isValidatedAgainstThePolicy() {
    Policy p = engine(List.of(global, search), tiers).policy();

    assertThatThrownBy(() -> KeyOverride.tier("gold").validate(p))
        .hasMessage(
            "the policy has no tier 'gold'; its tiers are "
                + String.join(", ", p.tiers().keySet()));
    assertThatThrownBy(
            () ->
                new KeyOverride(null, Map.of("nope", List.of(perMinute("x", 1))), null).validate(p))
        .hasMessage("the policy has no rule 'nope'");
    assertThatThrownBy(() -> new KeyOverride(null, Map.of(), null))
        .hasMessageContaining("sets a tier, limits for some rules, or both");
  }

  @Test
  void aShadowRule_countsAndReportsButNeverDenies() {
    Rule shadowSearch =
        Rule.endpoint(
                "search", Route.parse("GET /search"), API_KEY, List.of(perMinute("search", 2)))
            .withShadow(true);
    Sluice s = engine(List.of(global, shadowSearch), Map.of());

    Decision first = s.decide(key("k1").build());
    s.decide(key("k1").build());
    Decision third = s.decide(key("k1").build());

    assertThat(first.shadowLimits()).extracting(LimitStatus::remaining).containsExactly(1L);
    assertThat(third.allowed()).isTrue();
    assertThat(third.shadowDenied()).isTrue();
    assertThat(s.headers(third))
        .extracting(h -> h.value())
        .as("headers show enforced rules only")
        .contains("10", "7");
    assertThat(third.buckets())
        .extracting(Decision.Bucket::rule, Decision.Bucket::shadow)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("global", false),
            org.assertj.core.groups.Tuple.tuple("search", true));
  }

  @Test
  void aShadowRuleMissingItsIdentity_neverMakesARequestInvalid() {
    Rule shadowByEmail =
        Rule.endpoint(
                "magic",
                Route.parse("GET /search"),
                new KeySource.BodyField("email"),
                List.of(perMinute("magic", 1)))
            .withShadow(true);
    Sluice s = engine(List.of(global, shadowByEmail), Map.of());

    Decision d = s.decide(key("k1").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(d.shadowLimits()).isEmpty();
  }

  @Test
  void onlyShadowRulesApplying_passUnlimitedButReported() {
    Rule shadowSearch =
        Rule.endpoint(
                "search", Route.parse("GET /search"), API_KEY, List.of(perMinute("search", 1)))
            .withShadow(true);
    Sluice s = engine(List.of(shadowSearch), Map.of());

    s.decide(key("k1").build());
    Decision d = s.decide(key("k1").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.UNLIMITED);
    assertThat(d.shadowDenied()).isTrue();
    assertThat(s.decideAsync(key("k1").build()).toCompletableFuture().join().shadowDenied())
        .isTrue();
  }

  @Test
  void usage_readsEveryBucketOfAnIdentityWithoutChargingIt() {
    Sluice s = engine(List.of(global, search), tiers);
    s.decide(key("k1").build());
    s.decide(key("k1").build());

    List<Sluice.Usage> usage = s.usage(s.fingerprint("k1")).toCompletableFuture().join();
    List<Sluice.Usage> again = s.usage(s.fingerprint("k1")).toCompletableFuture().join();

    assertThat(usage).extracting(Sluice.Usage::rule).containsExactly("global", "search");
    assertThat(usage).extracting(u -> u.limits().get(0).remaining()).containsExactly(8L, 0L);
    assertThat(again).isEqualTo(usage);
    assertThat(usage.get(0).source()).isEqualTo(API_KEY.describe());
  }

  @Test
  void tierScaling_roundsDownNeverBelowOneAndScalesBursts() {
    List<Limit> scaled =
        Tier.scaled(
            List.of(
                perMinute("a", 3),
                Limit.tokenBucket("b", 10, Window.of(Duration.ofSeconds(1)), 20)),
            0.5);

    assertThat(scaled.get(0).permits()).isEqualTo(1);
    assertThat(scaled.get(1).permits()).isEqualTo(5);
    assertThat(scaled.get(1).burst()).isEqualTo(10);
    assertThat(scaled.get(1).algorithm()).isEqualTo(Algorithm.TOKEN_BUCKET);
  }
}
