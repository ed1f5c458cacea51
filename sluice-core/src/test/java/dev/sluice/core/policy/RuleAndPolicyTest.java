package dev.sluice.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleAndPolicyTest {
  private static final Limit MINUTE = Limit.fixed("minute", 5, Window.of(Duration.ofMinutes(1)));
  private static final Limit HOUR = Limit.fixed("hour", 50, Window.of(Duration.ofHours(1)));
  private static final KeySource IP = new KeySource.ClientIp();

  @Test
  void rule_name_mustBeShortAndPlain() {
    assertThatThrownBy(() -> Rule.global("per ip", IP, List.of(MINUTE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rule name 'per ip' must be 1 to 64 letters, digits, '.', '_' or '-'");
    assertThatThrownBy(() -> Rule.global(null, IP, List.of(MINUTE)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
  }

  @Test
  void rule_needsAtLeastOneLimit_withDistinctNames() {
    assertThatThrownBy(() -> Rule.global("r", IP, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rule 'r' has no limits");
    assertThatThrownBy(
            () ->
                Rule.global(
                    "r",
                    IP,
                    List.of(MINUTE, Limit.sliding("minute", 9, Window.of(Duration.ofHours(1))))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rule 'r' names two limits 'minute'");
  }

  @Test
  void rule_nulls_areNamed() {
    assertThatThrownBy(() -> Rule.global("r", null, List.of(MINUTE)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> new Rule("r", null, IP, List.of(MINUTE), null, Rule.MissingKey.REJECT))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("cost");
    assertThatThrownBy(() -> new Rule("r", null, IP, List.of(MINUTE), Cost.ONE, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("onMissingKey");
    assertThatThrownBy(() -> Rule.global("r", IP, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("limits");
    assertThatThrownBy(() -> Rule.global("r", IP, java.util.Arrays.asList(MINUTE, null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("limits[1]");
    assertThatThrownBy(() -> new Route(null, PathTemplate.parse("/a")))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("methods");
    assertThatThrownBy(() -> new Tier("pro", 2, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("limits");
    java.util.Map<String, List<Limit>> noList = new java.util.HashMap<>();
    noList.put("r", null);
    assertThatThrownBy(() -> new Tier("pro", 2, noList))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("limits[r]");
    assertThatThrownBy(() -> new KeySource.FirstOf(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("sources");
    java.net.URI url = java.net.URI.create("https://hooks.example.com/x");
    assertThatThrownBy(() -> new Webhook(url, null, "SECRET", List.of()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("thresholds");
    assertThatThrownBy(
            () -> new Webhook(url, java.util.Arrays.asList(80, null), "SECRET", List.of()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("thresholds[1]");
    assertThatThrownBy(() -> new Webhook(url, List.of(80), "SECRET", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("rules");
  }

  @Test
  void rule_pathParameterKey_mustBeDeclaredByItsRoute() {
    assertThatThrownBy(() -> Rule.global("r", new KeySource.PathParam("id"), List.of(MINUTE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "rule 'r' counts per path parameter {id}, which its route (none: the rule is global)"
                + " does not declare");
    assertThatThrownBy(
            () ->
                Rule.endpoint(
                    "r",
                    Route.parse("/users/{uid}"),
                    new KeySource.PathParam("id"),
                    List.of(MINUTE)))
        .hasMessage(
            "rule 'r' counts per path parameter {id}, which its route '/users/{uid}' does not"
                + " declare");
    assertThatThrownBy(
            () ->
                Rule.endpoint(
                    "r",
                    Route.parse("/users/{uid}"),
                    new KeySource.FirstOf(List.of(IP, new KeySource.PathParam("id"))),
                    List.of(MINUTE)))
        .as("also inside a fallback chain")
        .hasMessage(
            "rule 'r' counts per path parameter {id}, which its route '/users/{uid}' does not"
                + " declare");
    assertThat(
            Rule.endpoint(
                    "r", Route.parse("/users/{id}"), new KeySource.PathParam("id"), List.of(MINUTE))
                .isGlobal())
        .isFalse();
  }

  @Test
  void rule_fixedCostAboveALimitsCapacity_isRefused() {
    assertThatThrownBy(
            () ->
                new Rule(
                    "r",
                    null,
                    IP,
                    List.of(HOUR, MINUTE),
                    new Cost.Fixed(6),
                    Rule.MissingKey.REJECT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "rule 'r' costs 6 per request, more than limit 'minute' can ever hold (5): every"
                + " request would be denied");
    Limit bucket = Limit.tokenBucket("bucket", 100, Window.of(Duration.ofMinutes(1)), 3);
    assertThatThrownBy(
            () ->
                new Rule("r", null, IP, List.of(bucket), new Cost.Fixed(4), Rule.MissingKey.REJECT))
        .hasMessage(
            "rule 'r' costs 4 per request, more than limit 'bucket' can ever hold (3): every"
                + " request would be denied");
    assertThat(
            new Rule("r", null, IP, List.of(MINUTE), new Cost.Fixed(5), Rule.MissingKey.REJECT)
                .cost())
        .isEqualTo(new Cost.Fixed(5));
  }

  @Test
  void rule_shorthands() {
    Rule g = Rule.global("g", IP, List.of(MINUTE));
    Rule e = Rule.endpoint("e", Route.parse("POST /x"), IP, List.of(HOUR));

    assertThat(g.isGlobal()).isTrue();
    assertThat(g.cost()).isEqualTo(Cost.ONE);
    assertThat(g.onMissingKey()).isEqualTo(Rule.MissingKey.REJECT);
    assertThat(e.isGlobal()).isFalse();
    assertThat(e.route().methods()).containsExactly("POST");
  }

  @Test
  void policy_ruleNames_mustBeUnique() {
    assertThatThrownBy(
            () ->
                new Policy(
                    HeaderDialect.IETF,
                    false,
                    DenialFormat.PROBLEM,
                    List.of(
                        Rule.global("r", IP, List.of(MINUTE)),
                        Rule.global("r", IP, List.of(HOUR)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("two rules are named 'r'");
  }

  @Test
  void policy_limitNames_mustBeUniqueAcrossRules() {
    assertThatThrownBy(
            () ->
                new Policy(
                    HeaderDialect.IETF,
                    false,
                    DenialFormat.PROBLEM,
                    List.of(
                        Rule.global("a", IP, List.of(MINUTE)),
                        Rule.global("b", IP, List.of(HOUR, MINUTE)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "limit name 'minute' (rule 'b') is used twice; limit names are shown in headers and"
                + " must be unique within a policy");
  }

  @Test
  void policy_nulls_areNamed_andRulesAreCopied() {
    assertThatThrownBy(() -> new Policy(null, false, DenialFormat.DETAIL, List.of()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("headers");
    assertThatThrownBy(() -> new Policy(HeaderDialect.NONE, false, null, List.of()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("denial");
    assertThatThrownBy(() -> new Policy(HeaderDialect.NONE, false, DenialFormat.DETAIL, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("rules");
    assertThatThrownBy(
            () ->
                new Policy(
                    HeaderDialect.NONE,
                    false,
                    DenialFormat.DETAIL,
                    java.util.Arrays.asList(Rule.global("a", IP, List.of(MINUTE)), null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("rules[1]");
    assertThatThrownBy(
            () ->
                new Policy(
                    HeaderDialect.NONE,
                    false,
                    DenialFormat.DETAIL,
                    List.of(),
                    StoreFailure.OPEN,
                    null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("trustedProxies");
    assertThatThrownBy(
            () ->
                new Policy(
                    HeaderDialect.NONE,
                    false,
                    DenialFormat.DETAIL,
                    List.of(),
                    StoreFailure.OPEN,
                    List.of(),
                    null,
                    List.of()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("tiers");
    assertThatThrownBy(
            () ->
                new Policy(
                    HeaderDialect.NONE,
                    false,
                    DenialFormat.DETAIL,
                    List.of(),
                    StoreFailure.OPEN,
                    List.of(),
                    java.util.Map.of(),
                    null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("webhooks");
    java.util.ArrayList<Rule> rules =
        new java.util.ArrayList<>(List.of(Rule.global("a", IP, List.of(MINUTE))));
    Policy p = new Policy(HeaderDialect.NONE, false, DenialFormat.DETAIL, rules);
    rules.clear();
    assertThat(p.rules()).hasSize(1);
    assertThat(p.rule("a")).isNotNull();
    assertThat(p.rule("b")).isNull();
  }
}
