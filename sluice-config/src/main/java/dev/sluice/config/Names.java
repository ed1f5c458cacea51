package dev.sluice.config;

import dev.sluice.core.policy.Limit;
import java.util.HashMap;
import java.util.Map;

/**
 * The rule and limit names of a policy so far, so that a name used twice is reported where it is
 * used the second time, naming the first. Limit names show in headers and metrics, so they are
 * unique across the policy, not just within a rule.
 */
final class Names {
  private final Map<String, At> rules = new HashMap<>();
  private final Map<String, At> limits = new HashMap<>();

  /**
   * Takes rule name {@code name}, written at {@code at} (its {@code name:}, or the route it was
   * derived from); {@code rule} is the rule itself, for messages that point back to it.
   */
  void rule(String name, At at, At rule, boolean derived) {
    At first = rules.putIfAbsent(name, rule);
    if (first != null) {
      throw at.fail(
          "rule name '"
              + name
              + "'"
              + (derived ? " (made from the route)" : "")
              + " is already used by "
              + where(first)
              + "; "
              + (derived
                  ? "tell the two rules apart with name: ..."
                  : "give each rule its own name"));
    }
  }

  /** Takes the name of {@code limit}, written (or given by default) at {@code at}. */
  void limit(Limit limit, At at) {
    At first = limits.putIfAbsent(limit.name(), at);
    if (first != null) {
      throw at.fail(
          "limit name '"
              + limit.name()
              + "' is already used by "
              + where(first)
              + "; limit names show in headers and must be unique, so name this one, e.g. {limit: "
              + limit.rate()
              + ", name: "
              + limit.name()
              + "-2}");
    }
  }

  private static String where(At at) {
    return at.field + " (line " + at.line() + ")";
  }
}
