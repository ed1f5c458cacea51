package dev.sluice.config;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.IpRange;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads the top of a policy file: the policy-wide settings, then the global rule and the rules. */
final class PolicyReader {
  static final List<String> FIELDS = List.of("headers", "reset-header", "denial", "algorithm",
      "lifetime-retention", "key", "on-store-failure", "trusted-proxies", "global", "rules");
  private static final List<String> STORE_FAILURES = List.of("open", "closed", "local");

  private static final List<String> DIALECTS = List.of("x-ratelimit", "ietf", "both", "none");
  private static final List<String> DENIALS = List.of("detail", "error-code", "problem");

  private final Names names = new Names();

  private PolicyReader() {}

  static Policy read(Node root, String source) {
    return new PolicyReader().policy(new At(source, root, ""));
  }

  private Policy policy(At top) {
    String nested = " goes in global: (limits on every request) or in a rule of rules:";
    Fields f = top.fields("a mapping of policy fields (headers:, global:, rules:, ...)", FIELDS,
        Map.of("limits", "'limits'" + nested, "route", "'route'" + nested,
            "cost", "'cost'" + nested, "on-missing-key", "'on-missing-key'" + nested));
    HeaderDialect headers = f.has("headers")
        ? HeaderDialect.fromLabel(Words.oneOf(f.get("headers"), "header dialect", DIALECTS))
        : HeaderDialect.X_RATELIMIT;
    boolean reset = !f.has("reset-header") || Words.bool(f.get("reset-header"));
    DenialFormat denial = f.has("denial")
        ? DenialFormat.fromLabel(Words.oneOf(f.get("denial"), "denial format", DENIALS))
        : DenialFormat.DETAIL;
    RuleReader.Defaults defaults = new RuleReader.Defaults(
        f.has("algorithm")
            ? Algorithm.fromLabel(
                Words.oneOf(f.get("algorithm"), "algorithm", LimitReader.ALGORITHMS))
            : Algorithm.FIXED_WINDOW,
        f.has("lifetime-retention") ? retention(f.get("lifetime-retention"))
            : Window.DEFAULT_RETENTION,
        f.has("key") ? KeyReader.read(f.get("key"), null, "the policy's default key")
            : new KeySource.FirstOf(List.of(new KeySource.Bearer(), new KeySource.ClientIp())));
    StoreFailure onStoreFailure = f.has("on-store-failure")
        ? StoreFailure.fromLabel(
            Words.oneOf(f.get("on-store-failure"), "store failure mode", STORE_FAILURES))
        : StoreFailure.OPEN;
    List<IpRange> trustedProxies =
        f.has("trusted-proxies") ? trustedProxies(f.get("trusted-proxies")) : List.of();
    List<Rule> rules = new ArrayList<>();
    if (f.has("global")) {
      rules.add(RuleReader.global(f.get("global"), defaults, names));
    }
    if (f.has("rules")) {
      At list = f.get("rules");
      if (list.isNull()) {
        throw list.fail("no rules given; write a list of rules (- route: ..., limits: ...),"
            + " or remove 'rules:'");
      }
      List<At> items = list.list("a list of rules, each starting with '- route: ...'");
      for (int i = 0; i < items.size(); i++) {
        rules.add(RuleReader.endpoint(items.get(i), i, defaults, names));
      }
    }
    if (rules.isEmpty()) {
      throw top.fail("the policy sets no limits; add 'global:' limits (global: {limits:"
          + " [100/minute]}) or 'rules:'");
    }
    try {
      return new Policy(headers, reset, denial, rules, onStoreFailure, trustedProxies);
    } catch (IllegalArgumentException e) {
      throw top.fail(e.getMessage());
    }
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
