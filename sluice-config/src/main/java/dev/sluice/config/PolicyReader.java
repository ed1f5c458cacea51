package dev.sluice.config;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.Exemptions;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.IpRange;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.PathCase;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import dev.sluice.core.policy.Tier;
import dev.sluice.core.policy.Webhook;
import dev.sluice.core.policy.Window;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads the top of a policy file: the policy-wide settings, then the global rule and the rules. */
final class PolicyReader {
  static final List<String> FIELDS =
      List.of(
          "headers",
          "reset-header",
          "denial",
          "algorithm",
          "lifetime-retention",
          "key",
          "on-store-failure",
          "trusted-proxies",
          "paths",
          "exempt",
          "tiers",
          "webhooks",
          "global",
          "rules");
  private static final List<String> TIER_FIELDS = List.of("scale", "limits");
  private static final List<String> WEBHOOK_FIELDS =
      List.of("url", "thresholds", "secret-env", "rules");
  private static final List<String> STORE_FAILURES = List.of("open", "closed", "local");

  private static final List<String> PATH_CASES = List.of("case-sensitive", "case-insensitive");
  private static final List<String> DIALECTS = List.of("x-ratelimit", "ietf", "both", "none");
  private static final List<String> DENIALS = List.of("detail", "error-code", "problem");

  private final Names names = new Names();
  private final KeyReader keys;
  private final Function<String, String> environment;

  private PolicyReader(Function<String, String> environment) {
    this.keys = new KeyReader(environment);
    this.environment = environment;
  }

  static Policy read(Node root, String source, Function<String, String> environment) {
    return new PolicyReader(environment).policy(new At(source, root, ""));
  }

  private Policy policy(At top) {
    String nested = " goes in global: (limits on every request) or in a rule of rules:";
    Fields f =
        top.fields(
            "a mapping of policy fields (headers:, global:, rules:, ...)",
            FIELDS,
            Map.of(
                "limits",
                "'limits'" + nested,
                "route",
                "'route'" + nested,
                "cost",
                "'cost'" + nested,
                "on-missing-key",
                "'on-missing-key'" + nested));
    HeaderDialect headers =
        f.has("headers")
            ? HeaderDialect.fromLabel(Words.oneOf(f.get("headers"), "header dialect", DIALECTS))
            : HeaderDialect.X_RATELIMIT;
    boolean reset = !f.has("reset-header") || Words.bool(f.get("reset-header"));
    DenialFormat denial =
        f.has("denial")
            ? DenialFormat.fromLabel(Words.oneOf(f.get("denial"), "denial format", DENIALS))
            : DenialFormat.DETAIL;
    RuleReader.Defaults defaults =
        new RuleReader.Defaults(
            f.has("algorithm")
                ? Algorithm.fromLabel(
                    Words.oneOf(f.get("algorithm"), "algorithm", LimitReader.ALGORITHMS))
                : Algorithm.FIXED_WINDOW,
            f.has("lifetime-retention")
                ? retention(f.get("lifetime-retention"))
                : Window.DEFAULT_RETENTION,
            f.has("key")
                ? keys.read(f.get("key"), null, "the policy's default key")
                : new KeySource.FirstOf(List.of(new KeySource.Bearer(), new KeySource.ClientIp())),
            keys);
    StoreFailure onStoreFailure =
        f.has("on-store-failure")
            ? StoreFailure.fromLabel(
                Words.oneOf(f.get("on-store-failure"), "store failure mode", STORE_FAILURES))
            : StoreFailure.OPEN;
    List<IpRange> trustedProxies =
        f.has("trusted-proxies") ? trustedProxies(f.get("trusted-proxies")) : List.of();
    PathCase pathCase =
        f.has("paths")
            ? PathCase.fromLabel(Words.oneOf(f.get("paths"), "path matching", PATH_CASES))
            : PathCase.SENSITIVE;
    List<Rule> rules = new ArrayList<>();
    if (f.has("global")) {
      rules.add(RuleReader.global(f.get("global"), defaults, names));
    }
    if (f.has("rules")) {
      At list = f.get("rules");
      if (list.isNull()) {
        throw list.fail(
            "no rules given; write a list of rules (- route: ..., limits: ...),"
                + " or remove 'rules:'");
      }
      List<At> items = list.list("a list of rules, each starting with '- route: ...'");
      for (int i = 0; i < items.size(); i++) {
        rules.add(RuleReader.endpoint(items.get(i), i, defaults, names));
      }
    }
    if (rules.isEmpty()) {
      throw top.fail(
          "the policy sets no limits; add 'global:' limits (global: {limits:"
              + " [100/minute]}) or 'rules:'");
    }
    Map<String, Tier> tiers = f.has("tiers") ? tiers(f.get("tiers"), rules, defaults) : Map.of();
    List<Webhook> webhooks = f.has("webhooks") ? webhooks(f.get("webhooks"), rules) : List.of();
    Exemptions exempt =
        f.has("exempt") ? ExemptionReader.read(f.get("exempt"), environment) : Exemptions.NONE;
    try {
      return new Policy(
          headers,
          reset,
          denial,
          rules,
          onStoreFailure,
          trustedProxies,
          tiers,
          webhooks,
          pathCase,
          exempt);
    } catch (IllegalArgumentException e) {
      throw top.fail(e.getMessage());
    }
  }

  /** {@code tiers: {pro: {scale: 5}, partner: {limits: {search: 500/minute}}}}. */
  private static Map<String, Tier> tiers(At at, List<Rule> rules, RuleReader.Defaults defaults) {
    if (!at.isMapping()) {
      throw at.fail("expected tiers by name, e.g. tiers: {pro: {scale: 5}}");
    }
    Map<String, Tier> tiers = new LinkedHashMap<>();
    Fields names = at.fields("tiers by name", null);
    for (String name : names.names()) {
      At tierAt = names.get(name);
      Fields tf = tierAt.fields("a tier (scale: and/or limits:)", TIER_FIELDS);
      double scale = 1;
      if (tf.has("scale")) {
        At s = tf.get("scale");
        String text = s.text("a number such as 5 or 2.5");
        try {
          scale = Double.parseDouble(text.replace("_", ""));
        } catch (NumberFormatException e) {
          throw s.fail("expected a number such as 5 or 2.5, found '" + text + "'");
        }
      }
      Map<String, List<Limit>> own = new LinkedHashMap<>();
      if (tf.has("limits")) {
        At limitsAt = tf.get("limits");
        Fields byRule =
            limitsAt.fields(
                "limits by rule name, e.g. {search: 500/minute}",
                rules.stream().map(Rule::name).toList());
        for (String ruleName : byRule.names()) {
          Rule rule =
              rules.stream().filter(r -> r.name().equals(ruleName)).findFirst().orElseThrow();
          List<LimitReader.Spec> specs =
              LimitReader.read(
                  byRule.get(ruleName), rule.limits().get(0).algorithm(), defaults.retention());
          own.put(ruleName, RuleReader.named(specs, ruleName, rule.isGlobal(), null));
        }
      }
      try {
        tiers.put(name, new Tier(name, scale, own));
      } catch (IllegalArgumentException e) {
        throw tierAt.fail(e.getMessage());
      }
    }
    return tiers;
  }

  /** {@code webhooks: [{url: ..., thresholds: [80, 100], secret-env: NAME, rules: [...]}]}. */
  private static List<Webhook> webhooks(At at, List<Rule> rules) {
    List<Webhook> out = new ArrayList<>();
    for (At item : at.list("a list of webhooks, each starting with '- url: https://...'")) {
      Fields wf = item.fields("a webhook (url:, thresholds:, secret-env:)", WEBHOOK_FIELDS);
      At urlAt =
          wf.require("url", "say where events go, e.g. url: https://hooks.example.com/sluice");
      String url = urlAt.text("an http:// or https:// URL");
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw urlAt.fail("'" + url + "' is not a URL: " + e.getReason());
      }
      List<Integer> thresholds = new ArrayList<>();
      At th = wf.require("thresholds", "say when to send, in percent of a limit, e.g. [80, 100]");
      for (At t : th.oneOrMany()) {
        thresholds.add((int) t.wholeNumber("a percentage", 1, 100));
      }
      String secretEnv =
          wf.require(
                  "secret-env",
                  "name the environment variable holding the signing secret, e.g."
                      + " secret-env: SLUICE_WEBHOOK_SECRET")
              .text("an environment variable name");
      List<String> only = new ArrayList<>();
      if (wf.has("rules")) {
        for (At r : wf.get("rules").oneOrMany()) {
          String name = r.text("a rule name");
          if (rules.stream().noneMatch(x -> x.name().equals(name))) {
            String near = Suggest.nearest(name, rules.stream().map(Rule::name).toList());
            throw r.fail(
                "no rule is named '"
                    + name
                    + "'"
                    + (near != null ? "; did you mean '" + near + "'?" : ""));
          }
          only.add(name);
        }
      }
      try {
        out.add(new Webhook(uri, thresholds, secretEnv, only));
      } catch (IllegalArgumentException e) {
        throw item.fail(e.getMessage());
      }
    }
    return out;
  }

  private static List<IpRange> trustedProxies(At at) {
    List<IpRange> ranges = new ArrayList<>();
    for (At item : at.oneOrMany()) {
      String text = item.text("an IP address or CIDR block, such as 10.0.0.0/8");
      try {
        ranges.add(IpRange.parse(text));
      } catch (IllegalArgumentException e) {
        throw item.fail(e.getMessage());
      }
    }
    return ranges;
  }

  private static Duration retention(At at) {
    Duration d = Words.duration(at);
    try {
      Window.lifetime(d);
    } catch (IllegalArgumentException e) {
      throw at.fail(e.getMessage());
    }
    return d;
  }
}
