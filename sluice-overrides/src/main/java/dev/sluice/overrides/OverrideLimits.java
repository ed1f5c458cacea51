package dev.sluice.overrides;

import dev.sluice.config.PolicyException;
import dev.sluice.config.PolicyFiles;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import java.util.List;

/**
 * Reads an override's limits for one rule, written as in a policy file ({@code "500/minute"},
 * {@code ["500/minute", "5000/hour"]}, {@code {"limit": "10/second", "algorithm": "token-bucket",
 * "burst": 20}}), with sluice-config's own reader: the value is put, as JSON (which is YAML), in a
 * one-rule policy named like the rule, and that policy is read. So an override's limits mean
 * exactly what the same text means in the policy file: same syntax, same errors, same default names
 * ({@code search}, or {@code search-minute} for several), and the rule's algorithm as the default
 * one (as a tier's limits get).
 */
final class OverrideLimits {
  private OverrideLimits() {}

  /**
   * The limits {@code json} (a JSON value's text) gives {@code rule}.
   *
   * @throws OverrideException naming {@code limits.RULE} (and the list index) if they do not read
   */
  static List<Limit> read(Rule rule, String json) {
    String algorithm = rule.limits().get(0).algorithm().label();
    boolean global = rule.isGlobal() && rule.name().equals("global");
    String yaml =
        global
            ? "global: {key: \"const:x\", algorithm: " + algorithm + ", limits: " + json + "}\n"
            : "rules: [{name: \""
                + rule.name()
                + "\", route: /sluice-override, key: \"const:x\","
                + " algorithm: "
                + algorithm
                + ", limits: "
                + json
                + "}]\n";
    Policy p;
    try {
      p = PolicyFiles.parse(yaml, "override");
    } catch (PolicyException e) {
      String prefix = global ? "global.limits" : "rules[0].limits";
      String field =
          e.field().startsWith(prefix)
              ? "limits." + rule.name() + e.field().substring(prefix.length())
              : "limits." + rule.name();
      throw new OverrideException(field, e.problem());
    }
    return p.rules().get(0).limits();
  }
}
