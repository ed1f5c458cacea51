package dev.sluice.core.policy;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A set of limits, counted per identity, over the requests a route covers.
 *
 * <p>A rule without a route is <em>global</em>: it applies to every request. A request is charged
 * by every rule that applies to it, each rule with its own buckets and its own {@link Cost}.
 *
 * @param name unique within the policy (letters, digits, {@code .}, {@code _}, {@code -})
 * @param route the requests covered, or {@code null} for every request
 * @param key who is counted
 * @param limits one or more limits, all charged together
 * @param cost units per request
 * @param onMissingKey what a request without the identity gets
 * @param shadow whether the rule only reports: it is decided and counted like any other, its
 *     results reach metrics, usage and webhooks, but it never denies a request and never shows in a
 *     response's headers. For trying a new limit on live traffic before enforcing it.
 */
public record Rule(
    String name,
    Route route,
    KeySource key,
    List<Limit> limits,
    Cost cost,
    MissingKey onMissingKey,
    boolean shadow) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** What happens to a request for which the rule finds no identity (and no fallback does). */
  public enum MissingKey {
    /**
     * The request is invalid: the decision says which identity was missing (a 400 at the gateway).
     */
    REJECT,
    /** The rule does not apply to this request. */
    SKIP
  }

  public Rule {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(cost, "cost");
    Objects.requireNonNull(onMissingKey, "onMissingKey");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "rule name '" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    limits = Checks.list(limits, "limits");
    if (limits.isEmpty()) {
      throw new IllegalArgumentException("rule '" + name + "' has no limits");
    }
    Set<String> names = new HashSet<>();
    for (Limit l : limits) {
      if (!names.add(l.name())) {
        throw new IllegalArgumentException(
            "rule '" + name + "' names two limits '" + l.name() + "'");
      }
    }
    for (KeySource k : key instanceof KeySource.FirstOf f ? f.sources() : List.of(key)) {
      KeySource s = k instanceof KeySource.Normalized n ? n.source() : k;
      if (s instanceof KeySource.PathParam p
          && (route == null || !route.path().hasParam(p.name()))) {
        throw new IllegalArgumentException(
            "rule '"
                + name
                + "' counts per path parameter {"
                + p.name()
                + "}, which its route "
                + (route == null ? "(none: the rule is global)" : "'" + route.path() + "'")
                + " does not declare");
      }
    }
    if (cost instanceof Cost.Fixed f) {
      for (Limit l : limits) {
        if (f.units() > l.capacity()) {
          throw new IllegalArgumentException(
              "rule '"
                  + name
                  + "' costs "
                  + f.units()
                  + " per request, more than limit '"
                  + l.name()
                  + "' can ever hold ("
                  + l.capacity()
                  + "): every request would be denied");
        }
      }
    }
  }

  /** An enforced rule. */
  public Rule(
      String name,
      Route route,
      KeySource key,
      List<Limit> limits,
      Cost cost,
      MissingKey onMissingKey) {
    this(name, route, key, limits, cost, onMissingKey, false);
  }

  /** This rule in shadow mode (or enforced, for {@code false}). */
  public Rule withShadow(boolean shadow) {
    return new Rule(name, route, key, limits, cost, onMissingKey, shadow);
  }

  /** A global rule: every request, counted per {@code key}, cost 1. */
  public static Rule global(String name, KeySource key, List<Limit> limits) {
    return new Rule(name, null, key, limits, Cost.ONE, MissingKey.REJECT);
  }

  /** An endpoint rule with cost 1 that rejects requests missing the identity. */
  public static Rule endpoint(String name, Route route, KeySource key, List<Limit> limits) {
    return new Rule(name, route, key, limits, Cost.ONE, MissingKey.REJECT);
  }

  /** Whether the rule applies to every request. */
  public boolean isGlobal() {
    return route == null;
  }
}
