package dev.sluice.config;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.Cost;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads one rule: the {@code global:} limits, or an endpoint rule of {@code rules:}. Fills in what
 * the rule leaves out from the policy's defaults and names what is unnamed.
 */
final class RuleReader {
  static final String GLOBAL = "global";
  static final List<String> RULE_FIELDS =
      List.of("name", "route", "key", "limits", "algorithm", "cost", "on-missing-key", "shadow");
  static final List<String> GLOBAL_FIELDS =
      List.of("limits", "key", "algorithm", "cost", "on-missing-key", "shadow");

  private static final List<String> METHODS =
      List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");

  private RuleReader() {}

  /** What the policy's top level says for every rule that does not say otherwise. */
  record Defaults(Algorithm algorithm, Duration retention, KeySource key, KeyReader keys) {}

  /** The {@code global:} mapping: limits on every request. */
  static Rule global(At at, Defaults defaults, Names names) {
    Fields f =
        at.fields(
            "the global limits (a mapping with limits:)",
            GLOBAL_FIELDS,
            Map.of(
                "route",
                "the global limits apply to every request, so they have no route; put"
                    + " endpoint limits under rules:",
                "name",
                "the global rule is always named 'global'; remove 'name:'"));
    KeySource key =
        f.has("key") ? defaults.keys().read(f.get("key"), null, "the global rule") : defaults.key();
    names.rule(GLOBAL, at, at, false);
    return build(at, f, GLOBAL, null, key, defaults, names);
  }

  /** Endpoint rule {@code index} of {@code rules:}. */
  static Rule endpoint(At at, int index, Defaults defaults, Names names) {
    Fields f = at.fields("a rule (a mapping with route: and limits:)", RULE_FIELDS);
    At routeAt =
        f.require("route", "say which requests the rule covers, e.g. route: POST /auth/verify");
    Route route = route(routeAt);
    At nameAt = f.get("name");
    String name;
    if (nameAt != null) {
      name = nameAt.text("a rule name such as magic-link");
      if (!LimitReader.NAME.matcher(name).matches()) {
        throw nameAt.fail(
            "rule name '" + name + "' must be 1 to 64 letters, digits, '.', '_'" + " or '-'");
      }
      names.rule(name, nameAt, at, false);
    } else {
      name = derivedName(normalizeRoute(routeAt.text("a route")), index);
      names.rule(name, routeAt, at, true);
    }
    KeySource key =
        f.has("key")
            ? defaults.keys().read(f.get("key"), route, "rule '" + name + "'")
            : defaults.key();
    return build(at, f, name, route, key, defaults, names);
  }

  private static Rule build(
      At at, Fields f, String name, Route route, KeySource key, Defaults defaults, Names names) {
    Algorithm algorithm = defaults.algorithm();
    if (f.has("algorithm")) {
      algorithm =
          Algorithm.fromLabel(Words.oneOf(f.get("algorithm"), "algorithm", LimitReader.ALGORITHMS));
    }
    List<LimitReader.Spec> specs =
        LimitReader.read(
            f.require("limits", "write at least one limit, e.g. limits: 100/minute"),
            algorithm,
            defaults.retention());
    List<Limit> limits = named(specs, name, route == null, names);
    Cost cost = f.has("cost") ? CostReader.read(f.get("cost"), limits) : Cost.ONE;
    Rule.MissingKey onMissing = Rule.MissingKey.REJECT;
    if (f.has("on-missing-key")) {
      onMissing =
          Words.oneOf(f.get("on-missing-key"), "on-missing-key value", List.of("reject", "skip"))
                  .equals("skip")
              ? Rule.MissingKey.SKIP
              : Rule.MissingKey.REJECT;
    }
    boolean shadow = f.has("shadow") && Words.bool(f.get("shadow"));
    try {
      return new Rule(name, route, key, limits, cost, onMissing, shadow);
    } catch (IllegalArgumentException e) {
      throw at.fail(e.getMessage());
    }
  }

  /**
   * Names the limits of rule {@code rule}: a global rule's after their windows ({@code minute}), an
   * endpoint rule's single limit after the rule, several as {@code rule-window}. Registers the
   * names when {@code names} is given (a tier's limits replace a rule's and reuse its names).
   */
  static List<Limit> named(List<LimitReader.Spec> specs, String rule, boolean global, Names names) {
    List<Limit> limits = new ArrayList<>(specs.size());
    for (LimitReader.Spec s : specs) {
      String limitName =
          s.name() != null
              ? s.name()
              : global
                  ? s.window().label()
                  : specs.size() == 1 ? rule : rule + "-" + s.window().label();
      if (!LimitReader.NAME.matcher(limitName).matches()) {
        throw s.at()
            .fail(
                "this limit's default name '"
                    + limitName
                    + "' is too long; name it:"
                    + " {limit: ..., name: SHORTER}");
      }
      Limit limit = LimitReader.build(s, limitName);
      if (names != null) {
        names.limit(limit, s.at());
      }
      limits.add(limit);
    }
    return limits;
  }

  /** {@code POST /auth/verify}, {@code PUT,PATCH /assets/{id}} or {@code /health}. */
  static Route route(At at) {
    String text = normalizeRoute(at.text("a route such as 'POST /auth/verify' or '/health'"));
    int space = text.indexOf(' ');
    if (space < 0 && !text.startsWith("/")) {
      throw at.fail(
          "route '"
              + text
              + "' must be 'METHOD /path' or '/path' (methods, a space,"
              + " then the path), e.g. POST /auth/verify or /health");
    }
    if (space > 0) {
      for (String m : text.substring(0, space).split("[,|]")) {
        String method = m.trim().toUpperCase(Locale.ROOT);
        if (!method.isEmpty() && !METHODS.contains(method)) {
          String near = Suggest.nearest(method, METHODS);
          throw at.fail(
              "unknown HTTP method '"
                  + m.trim()
                  + "' in route '"
                  + text
                  + "'; "
                  + (near != null ? "did you mean '" + near + "'? " : "")
                  + "valid: "
                  + String.join(", ", METHODS));
        }
      }
    }
    String path = text.substring(space + 1).trim();
    for (String segment : path.split("/", -1)) {
      if (segment.contains("*") && !segment.equals("**")) {
        // Route.parse takes '*' as a literal character: GET /api/* would match only "/api/*".
        throw at.fail(
            "'"
                + segment
                + "' in route '"
                + text
                + "' is no wildcard; {name} matches"
                + " one segment and a final ** any remainder, e.g. GET /api/{id} or GET /api/**");
      }
    }
    try {
      return Route.parse(text);
    } catch (IllegalArgumentException e) {
      throw at.fail("bad route '" + text + "': " + e.getMessage());
    }
  }

  /** {@code GET, POST /a} as {@code GET,POST /a}: people put spaces after commas. */
  private static String normalizeRoute(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      return text;
    }
    return text.substring(0, slash).replaceAll("\\s*([,|])\\s*", "$1") + text.substring(slash);
  }

  /**
   * A name for a rule that has none, from its route: {@code POST /auth/magic-link} gives {@code
   * post-auth-magic-link}, {@code PUT,PATCH /assets/{id}} gives {@code put-patch-assets-id}.
   */
  static String derivedName(String route, int index) {
    String s =
        route
            .toLowerCase(Locale.ROOT)
            .replaceAll("[{}*]", "")
            .replaceAll("[^a-z0-9._]+", "-")
            .replaceAll("^-+|-+$", "");
    if (s.length() > 64) {
      s = s.substring(0, 64).replaceAll("-+$", "");
    }
    return s.isEmpty() ? "rule-" + index : s;
  }
}
