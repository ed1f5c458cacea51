package dev.sluice.envoy;

import dev.sluice.config.PolicyException;
import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.Cost;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.Durations;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import dev.sluice.core.policy.Tier;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads one envoyproxy/ratelimit configuration file: its domain, its descriptor tree, and the
 * Sluice policy that counts it (one rule per descriptor with a limit).
 */
final class ConfigReader {
  /** The header a rule's cost is read from in an {@link RlsView}: this prefix and the rule. */
  static final String HITS = "hits:";

  private static final List<String> TOP =
      List.of(
          "domain",
          "descriptors",
          "headers",
          "reset-header",
          "denial",
          "on-store-failure",
          "tiers");
  private static final List<String> DESCRIPTOR =
      List.of(
          "key",
          "value",
          "rate_limit",
          "rate_limits",
          "descriptors",
          "shadow_mode",
          "detailed_metric");
  private static final List<String> RATE_LIMIT =
      List.of("unit", "requests_per_unit", "unlimited", "name", "replaces", "algorithm", "burst");
  private static final List<String> WINDOW =
      List.of("unit", "requests_per_unit", "algorithm", "burst");
  private static final List<String> UNITS =
      List.of("second", "minute", "hour", "day", "week", "month", "year");

  private final List<Rule> rules = new ArrayList<>();
  private final Set<String> limitNames = new HashSet<>();

  private ConfigReader() {}

  /** Whether {@code doc} is an envoyproxy/ratelimit file: a mapping with a {@code domain}. */
  static boolean recognises(Yml doc) {
    return doc != null && doc.hasField("domain") && !doc.hasField("rules");
  }

  /** The domain {@code doc} configures. */
  static RatelimitConfig.Domain read(Yml doc, String source) {
    if (doc == null) {
      throw PolicyException.at(
          source, 1, 1, "", "the file is empty; an envoyproxy/ratelimit file needs a 'domain'");
    }
    Map<String, Yml> f = doc.fields("a mapping with 'domain' and 'descriptors'", TOP);
    Yml d = f.get("domain");
    if (d == null) {
      throw doc.fail("the file has no 'domain'; envoyproxy/ratelimit files start with domain: ...");
    }
    String domain = Yml.isNull(d.node) ? "" : d.scalar("a domain name").trim();
    if (domain.isEmpty()) {
      throw d.fail("the domain is empty; give the domain Envoy's rate limit filter names");
    }
    ConfigReader r = new ConfigReader();
    DescriptorNode root = new DescriptorNode();
    Yml ds = f.get("descriptors");
    if (ds != null && !Yml.isNull(ds.node)) {
      r.descriptors(ds, root, domain);
    }
    HeaderDialect headers = HeaderDialect.X_RATELIMIT;
    if (f.containsKey("headers")) {
      String s = f.get("headers").text("a header dialect");
      headers = HeaderDialect.fromLabel(s);
      if (headers == null) {
        throw f.get("headers")
            .fail("unknown header dialect '" + s + "'; use x-ratelimit, ietf, both or none");
      }
    }
    boolean reset = !f.containsKey("reset-header") || f.get("reset-header").bool("reset-header");
    DenialFormat denial = DenialFormat.DETAIL;
    if (f.containsKey("denial")) {
      String s = f.get("denial").text("a denial format");
      denial = DenialFormat.fromLabel(s);
      if (denial == null) {
        throw f.get("denial")
            .fail("unknown denial format '" + s + "'; use detail, error-code or problem");
      }
    }
    StoreFailure failure = StoreFailure.OPEN;
    if (f.containsKey("on-store-failure")) {
      String s = f.get("on-store-failure").text("open, closed or local");
      failure = StoreFailure.fromLabel(s);
      if (failure == null) {
        throw f.get("on-store-failure").fail("unknown mode '" + s + "'; use open, closed or local");
      }
    }
    Map<String, Tier> tiers = new LinkedHashMap<>();
    Map<String, Integer> tierLines = new LinkedHashMap<>();
    if (f.containsKey("tiers") && !Yml.isNull(f.get("tiers").node)) {
      tiers(f.get("tiers"), tiers, tierLines);
    }
    Policy policy;
    try {
      policy = new Policy(headers, reset, denial, r.rules, failure, List.of(), tiers, List.of());
    } catch (IllegalArgumentException e) {
      throw d.fail(e.getMessage());
    }
    return new RatelimitConfig.Domain(domain, source, d.line(), root, policy, tierLines);
  }

  /**
   * Sluice's {@code tiers} extension: {@code NAME: {scale: X}}, every limit of the domain
   * multiplied by {@code X} for identities an override puts in the tier.
   */
  private static void tiers(Yml at, Map<String, Tier> tiers, Map<String, Integer> lines) {
    for (Map.Entry<String, Yml> e : at.entries("tiers by name: {pro: {scale: 10}}").entrySet()) {
      Map<String, Yml> f = e.getValue().fields("a tier ({scale: 10})", List.of("scale"));
      Yml sc = f.get("scale");
      if (sc == null) {
        throw e.getValue().fail("a tier needs a scale, e.g. {scale: 10}");
      }
      String text = sc.text("a scale (a number)");
      double scale;
      try {
        scale = Double.parseDouble(text);
      } catch (NumberFormatException ex) {
        throw sc.fail("expected a scale (a number greater than 0), found '" + text + "'");
      }
      try {
        tiers.put(e.getKey(), new Tier(e.getKey(), scale, Map.of()));
      } catch (IllegalArgumentException ex) {
        throw sc.fail(ex.getMessage());
      }
      lines.put(e.getKey(), e.getValue().line());
    }
  }

  private void descriptors(Yml list, DescriptorNode parent, String path) {
    for (Yml item : list.list("a list of descriptors (key, value, rate_limit)")) {
      Map<String, Yml> f = item.fields("a descriptor (key, value, rate_limit)", DESCRIPTOR);
      Yml k = f.get("key");
      String key = k == null || Yml.isNull(k.node) ? "" : k.scalar("a descriptor key");
      if (key.isEmpty()) {
        throw (k == null ? item : k)
            .fail("descriptor has an empty key; every descriptor needs one");
      }
      String value =
          f.containsKey("value") && !Yml.isNull(f.get("value").node)
              ? f.get("value").scalar("a descriptor value")
              : "";
      String composite = value.isEmpty() ? key : key + "_" + value;
      String full = path + "." + composite;
      if (parent.children.containsKey(composite)) {
        throw item.fail(
            "duplicate descriptor composite key '"
                + full
                + "': this level already has "
                + (value.isEmpty()
                    ? "key '" + key + "' without a value"
                    : "'" + key + ": " + value + "'"));
      }
      DescriptorNode node = new DescriptorNode();
      parent.children.put(composite, node);
      if (composite.endsWith("*")) {
        parent.wildcards.add(composite);
      }
      boolean shadow = f.containsKey("shadow_mode") && f.get("shadow_mode").bool("shadow_mode");
      if (f.containsKey("detailed_metric")) {
        f.get("detailed_metric").bool("detailed_metric"); // checked; Sluice's metrics are per rule
      }
      if (f.containsKey("rate_limit") && f.containsKey("rate_limits")) {
        throw f.get("rate_limits")
            .fail("give either rate_limit (one window) or rate_limits (several), not both");
      }
      if (f.containsKey("rate_limit")) {
        node.leaf = leaf(f.get("rate_limit"), full, shadow);
      } else if (f.containsKey("rate_limits")) {
        node.leaf = windows(f.get("rate_limits"), full, shadow);
      } else if (shadow) {
        throw f.get("shadow_mode").fail("shadow_mode needs a rate_limit on the same descriptor");
      }
      if (f.containsKey("descriptors") && !Yml.isNull(f.get("descriptors").node)) {
        descriptors(f.get("descriptors"), node, full);
      }
    }
  }

  private Leaf leaf(Yml rl, String path, boolean shadow) {
    Map<String, Yml> f =
        rl.fields("a rate_limit (unit and requests_per_unit, or unlimited: true)", RATE_LIMIT);
    String name = f.containsKey("name") ? f.get("name").scalar("a limit name") : "";
    List<String> replaces = new ArrayList<>();
    if (f.containsKey("replaces")) {
      for (Yml r : f.get("replaces").list("a list of {name: ...}")) {
        Map<String, Yml> rf = r.fields("a replaced limit {name: ...}", List.of("name"));
        String n =
            rf.containsKey("name") && !Yml.isNull(rf.get("name").node)
                ? rf.get("name").scalar("a limit name")
                : "";
        if (n.isEmpty()) {
          throw r.fail("should not have an empty replaces entry; name the limit replaced");
        }
        replaces.add(n);
      }
    }
    boolean unlimited = f.containsKey("unlimited") && f.get("unlimited").bool("unlimited");
    if (unlimited) {
      if (f.containsKey("unit")) {
        throw f.get("unit").fail("should not specify rate limit unit when unlimited");
      }
      for (String other : List.of("requests_per_unit", "algorithm", "burst")) {
        if (f.containsKey(other)) {
          throw f.get(other).fail("an unlimited descriptor has no " + other);
        }
      }
      return new Leaf(null, name, replaces, true, false, shadow, List.of());
    }
    Leaf.Shown w = window(rl, f, path, 0);
    if (w.limit() == null) {
      return new Leaf(null, name, replaces, false, true, shadow, List.of(w));
    }
    return new Leaf(
        rule(path, List.of(w), rl, shadow), name, replaces, false, false, shadow, List.of(w));
  }

  private Leaf windows(Yml list, String path, boolean shadow) {
    List<Leaf.Shown> shown = new ArrayList<>();
    List<Yml> items = list.list("a list of windows (unit, requests_per_unit)");
    if (items.isEmpty()) {
      throw list.fail("rate_limits needs at least one window");
    }
    for (int i = 0; i < items.size(); i++) {
      Map<String, Yml> f = items.get(i).fields("a window (unit, requests_per_unit)", WINDOW);
      Leaf.Shown w = window(items.get(i), f, path, i);
      if (w.limit() == null) {
        throw f.get("requests_per_unit") == null
            ? items.get(i).fail("requests_per_unit is missing")
            : f.get("requests_per_unit")
                .fail(
                    "requests_per_unit: 0 (every request over the limit) is for rate_limit alone");
      }
      shown.add(w);
    }
    return new Leaf(rule(path, shown, list, shadow), "", List.of(), false, false, shadow, shown);
  }

  /** A window: a unit (or, as Sluice extends it, any interval) and its permits. */
  private Leaf.Shown window(Yml at, Map<String, Yml> f, String path, int index) {
    Yml u = f.get("unit");
    if (u == null) {
      throw at.fail(
          "invalid rate limit unit: none given; use one of "
              + String.join(", ", UNITS)
              + ", or an interval such as 30s");
    }
    String unitText = u.text("a unit").toLowerCase(Locale.ROOT);
    int unit;
    Duration length;
    switch (unitText) {
      case "second":
        unit = 1;
        length = Duration.ofSeconds(1);
        break;
      case "minute":
        unit = 2;
        length = Duration.ofMinutes(1);
        break;
      case "hour":
        unit = 3;
        length = Duration.ofHours(1);
        break;
      case "day":
        unit = 4;
        length = Duration.ofDays(1);
        break;
      case "week":
        unit = 7;
        length = Duration.ofDays(7);
        break;
      case "month":
        unit = 5;
        length = Duration.ofDays(30);
        break;
      case "year":
        unit = 6;
        length = Duration.ofDays(365);
        break;
      default:
        unit = 0;
        length = Character.isDigit(unitText.charAt(0)) ? Durations.parse(unitText) : null;
        if (length == null || length.toMillis() < 1) {
          throw u.fail(
              "invalid rate limit unit '"
                  + u.text("a unit")
                  + "'; use one of "
                  + String.join(", ", UNITS)
                  + ", or an interval such as 30s or 5m");
        }
    }
    long rpu =
        f.containsKey("requests_per_unit")
            ? f.get("requests_per_unit").wholeNumber("requests_per_unit", 0, Limit.MAX_PERMITS)
            : 0;
    Algorithm algorithm = Algorithm.FIXED_WINDOW;
    if (f.containsKey("algorithm")) {
      String a = f.get("algorithm").text("an algorithm");
      algorithm = Algorithm.fromLabel(a);
      if (algorithm == null) {
        throw f.get("algorithm")
            .fail("unknown algorithm '" + a + "'; use fixed, sliding or token-bucket");
      }
    }
    long burst = rpu;
    if (f.containsKey("burst")) {
      if (algorithm != Algorithm.TOKEN_BUCKET) {
        throw f.get("burst").fail("burst only applies to algorithm: token-bucket");
      }
      burst = f.get("burst").wholeNumber("burst", 1, Limit.MAX_PERMITS);
    }
    if (rpu == 0) {
      if (f.containsKey("algorithm") || f.containsKey("burst")) {
        throw f.get("requests_per_unit")
            .fail("requests_per_unit: 0 denies everything; it has no algorithm");
      }
      return new Leaf.Shown(null, unit, 0);
    }
    Window window = Window.of(length);
    String limitName = limitName(path, window.label(), index);
    try {
      return new Leaf.Shown(new Limit(limitName, rpu, window, algorithm, burst), unit, rpu);
    } catch (IllegalArgumentException e) {
      throw at.fail(e.getMessage());
    }
  }

  /** The length of the proto's unit {@code unit} (1 second to 6 year, 7 week), or null. */
  static Duration unitLength(int unit) {
    return switch (unit) {
      case 1 -> Duration.ofSeconds(1);
      case 2 -> Duration.ofMinutes(1);
      case 3 -> Duration.ofHours(1);
      case 4 -> Duration.ofDays(1);
      case 5 -> Duration.ofDays(30);
      case 6 -> Duration.ofDays(365);
      case 7 -> Duration.ofDays(7);
      default -> null;
    };
  }

  /**
   * The leaf of a descriptor's own {@code limit} (Envoy's per-descriptor override) in {@code
   * domain}: {@code rpu} per {@code unit}, counted by a rule of that shape shared by every
   * descriptor that carries it (a bucket per descriptor's entries, as for any leaf).
   */
  static Leaf overrideLeaf(String domain, int unit, long rpu) {
    String rule = ruleName(domain + ".limit-override." + unit + "." + rpu);
    if (rpu == 0) {
      return new Leaf(
          null, "", List.of(), false, true, false, List.of(new Leaf.Shown(null, unit, 0)));
    }
    Limit limit = Limit.fixed(rule + ".w", rpu, Window.of(unitLength(unit)));
    return new Leaf(
        rule, "", List.of(), false, false, false, List.of(new Leaf.Shown(limit, unit, rpu)));
  }

  /** The rule that counts an {@link #overrideLeaf}. */
  static Rule overrideRule(Leaf leaf) {
    return new Rule(
        leaf.rule(),
        null,
        new DescriptorKey(leaf.rule()),
        List.of(leaf.windows().get(0).limit()),
        new Cost.FromRequest(Cost.From.HEADER, HITS + leaf.rule(), 1, Limit.MAX_PERMITS),
        Rule.MissingKey.SKIP,
        false);
  }

  private String rule(String path, List<Leaf.Shown> windows, Yml at, boolean shadow) {
    String name = ruleName(path);
    List<Limit> limits = windows.stream().map(Leaf.Shown::limit).toList();
    try {
      rules.add(
          new Rule(
              name,
              null,
              new DescriptorKey(name),
              limits,
              new Cost.FromRequest(Cost.From.HEADER, HITS + name, 1, Limit.MAX_PERMITS),
              Rule.MissingKey.SKIP,
              shadow));
    } catch (IllegalArgumentException e) {
      throw at.fail(e.getMessage());
    }
    return name;
  }

  /**
   * A rule's name: readable (the domain and descriptor path, cut short) and unique (a hash of the
   * whole path), the same on every instance and every reload, so counts survive both.
   */
  static String ruleName(String path) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < path.length() && sb.length() < 36; i++) {
      char c = path.charAt(i);
      sb.append(
          c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-') ? c : '_');
    }
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < path.length(); i++) {
      h = (h ^ path.charAt(i)) * 0x100000001b3L;
    }
    return sb + "-" + String.format("%012x", h & 0xffff_ffff_ffffL);
  }

  private String limitName(String path, String label, int index) {
    String base = ruleName(path) + "." + label;
    String name = base;
    for (int i = 2; !limitNames.add(name); i++) {
      name = base + "-" + i;
    }
    return name;
  }
}
