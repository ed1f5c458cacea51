package dev.sluice.config;

import dev.sluice.core.policy.Cost;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.Tier;
import dev.sluice.core.policy.Webhook;
import java.util.List;
import java.util.TreeSet;

/**
 * What a policy enforces, in words: the headers and 429 body responses carry, then each rule with
 * the requests it covers, who is counted, and each limit with its algorithm. For {@code sluice
 * check} and for people reviewing a policy change.
 *
 * <pre>
 * Headers: X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (Unix epoch seconds);
 *   Retry-After on every 429
 * 429 body: {"detail": "Rate limit exceeded", "retry_after": N}
 *
 * Global limits, on every request, counted per bearer token, else client IP:
 *   minute  100 per minute (fixed window)
 *   ...
 * </pre>
 */
public final class PolicySummary {
  private PolicySummary() {}

  /** The summary of {@code policy}: several lines, each ending with a line feed. */
  public static String describe(Policy policy) {
    StringBuilder sb = new StringBuilder();
    sb.append("Headers: ").append(headers(policy)).append('\n');
    sb.append("429 body: ").append(body(policy)).append('\n');
    if (policy.pathCase() == dev.sluice.core.policy.PathCase.INSENSITIVE) {
      sb.append("Paths: matched ignoring the case of letters\n");
    }
    List<Rule> endpoints = policy.rules().stream().filter(r -> !r.isGlobal()).toList();
    for (Rule r : policy.rules()) {
      if (r.isGlobal()) {
        sb.append('\n').append("Global limits, on every request, ").append(who(r)).append(":\n");
        limits(sb, r, "  ");
      }
    }
    if (!endpoints.isEmpty()) {
      sb.append('\n')
          .append(endpoints.size())
          .append(endpoints.size() == 1 ? " endpoint rule" : " endpoint rules")
          .append(endpoints.size() < policy.rules().size() ? ", on top of the global limits:" : ":")
          .append('\n');
      for (Rule r : endpoints) {
        sb.append("  ")
            .append(r.name())
            .append(": ")
            .append(route(r.route()))
            .append(", ")
            .append(who(r))
            .append('\n');
        limits(sb, r, "    ");
      }
    }
    exemptions(sb, policy);
    tiers(sb, policy);
    webhooks(sb, policy);
    return sb.toString();
  }

  /** Who and what is never limited: said, so an exemption is never a surprise. */
  private static void exemptions(StringBuilder sb, Policy policy) {
    dev.sluice.core.policy.Exemptions e = policy.exemptions();
    if (e.isEmpty()) {
      return;
    }
    sb.append('\n')
        .append("Exempt: never limited nor counted, no rate-limit headers (outcome 'exempt'):\n");
    for (dev.sluice.core.policy.IpRange a : e.addresses()) {
      sb.append("  address ").append(a).append('\n');
    }
    for (dev.sluice.core.policy.ExemptIdentity i : e.identities()) {
      sb.append("  identity ").append(i.describe()).append('\n');
    }
    for (Route r : e.routes()) {
      sb.append("  route ").append(route(r)).append('\n');
    }
  }

  /** Each tier: what it scales, and the limits of its own per rule. */
  private static void tiers(StringBuilder sb, Policy policy) {
    if (policy.tiers().isEmpty()) {
      return;
    }
    sb.append('\n')
        .append(policy.tiers().size())
        .append(policy.tiers().size() == 1 ? " tier" : " tiers")
        .append(", given to identities through the admin API:\n");
    for (Tier t : policy.tiers().values()) {
      sb.append("  ").append(t.name()).append(": ");
      String scaled = t.scale() == 1.0 ? "unchanged" : "x" + number(t.scale());
      if (t.limits().isEmpty()) {
        sb.append("every rule's limits ").append(scaled);
        if (t.scale() != 1.0) {
          sb.append(" (rounded down, at least 1)");
        }
      } else {
        int n = t.limits().size();
        sb.append("limits of its own on ")
            .append(n)
            .append(n == 1 ? " rule" : " rules")
            .append(", the other rules' limits ")
            .append(scaled);
        if (t.scale() != 1.0) {
          sb.append(" (rounded down, at least 1)");
        }
      }
      sb.append('\n');
      t.limits()
          .forEach(
              (rule, ls) -> {
                sb.append("    ").append(rule).append(":\n");
                limits(sb, rule, ls, "      ");
              });
    }
  }

  /** Each webhook: where, at which thresholds, on which rules, signed with which variable. */
  private static void webhooks(StringBuilder sb, Policy policy) {
    if (policy.webhooks().isEmpty()) {
      return;
    }
    int n = policy.webhooks().size();
    sb.append('\n').append(n).append(n == 1 ? " webhook:" : " webhooks:").append('\n');
    for (Webhook w : policy.webhooks()) {
      List<String> at = w.thresholds().stream().map(t -> t + "%").toList();
      String thresholds =
          at.size() == 1
              ? at.get(0)
              : String.join(", ", at.subList(0, at.size() - 1)) + " and " + at.get(at.size() - 1);
      sb.append("  ")
          .append(w.url())
          .append(": when an identity has used ")
          .append(thresholds)
          .append(" of a limit, on ")
          .append(w.rules().isEmpty() ? "every rule" : "rules " + String.join(", ", w.rules()))
          .append("; signed with the secret in environment variable ")
          .append(w.secretEnv())
          .append('\n');
    }
  }

  /** {@code 5} for 5.0, {@code 0.5} for 0.5. */
  private static String number(double d) {
    return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }

  private static String headers(Policy p) {
    String x =
        "X-RateLimit-Limit, X-RateLimit-Remaining"
            + (p.resetHeader()
                ? ", X-RateLimit-Reset (Unix epoch seconds)"
                : " (no X-RateLimit-Reset)");
    String ietf = "RateLimit-Policy and RateLimit (IETF draft)";
    String s;
    switch (p.headers()) {
      case X_RATELIMIT:
        s = x;
        break;
      case IETF:
        s = ietf;
        break;
      case BOTH:
        s = x + "; " + ietf;
        break;
      default:
        s = "no rate-limit headers";
        break;
    }
    return s + "; Retry-After on every 429";
  }

  private static String body(Policy p) {
    switch (p.denial()) {
      case DETAIL:
        return "{\"detail\": \"Rate limit exceeded\", \"retry_after\": N}";
      case ERROR_CODE:
        return "{\"error\": {\"code\": \"RATE_LIMITED\", \"message\": \"Rate limit exceeded."
            + " Retry after N seconds.\"}}";
      default:
        return "application/problem+json (RFC 9457, type quota-exceeded, with the violated"
            + " limits)";
    }
  }

  private static String route(Route route) {
    String methods =
        route.methods().isEmpty() ? "any method" : String.join(",", new TreeSet<>(route.methods()));
    return methods + " " + route.path();
  }

  /** A key as people read it, normalisations included: {@code body field email (email, ...)}. */
  private static String key(KeySource key) {
    List<KeySource> chain = key instanceof KeySource.FirstOf f ? f.sources() : List.of(key);
    StringBuilder sb = new StringBuilder();
    for (KeySource k : chain) {
      if (sb.length() > 0) {
        sb.append(", else ");
      }
      sb.append(k.describe());
      if (k instanceof KeySource.Normalized n) {
        sb.append(" (normalised: ");
        sb.append(
            String.join(", ", n.steps().stream().map(KeySource.Normalization::label).toList()));
        sb.append(')');
      }
    }
    return sb.toString();
  }

  /** Who is counted, what a request costs, and what happens without an identity. */
  private static String who(Rule r) {
    String s =
        r.key() instanceof KeySource.Constant c
            ? "counted together (one bucket, '" + c.value() + "', shared by every request)"
            : "counted per " + key(r.key());
    if (r.onMissingKey() == Rule.MissingKey.SKIP) {
      s += " (requests without one are not counted by this rule)";
    }
    if (r.cost() instanceof Cost.Fixed f) {
      if (f.units() != 1) {
        s += "; each request costs " + Words.count(f.units());
      }
    } else {
      Cost.FromRequest c = (Cost.FromRequest) r.cost();
      String where =
          c.from() == Cost.From.QUERY
              ? "query parameter"
              : c.from() == Cost.From.HEADER ? "header" : "body field";
      s +=
          "; each request costs the number in "
              + where
              + " "
              + c.name()
              + " (default "
              + Words.count(c.defaultUnits())
              + ", at most "
              + Words.count(c.max())
              + ")";
    }
    return s;
  }

  private static void limits(StringBuilder sb, Rule r, String indent) {
    limits(sb, r.name(), r.limits(), indent);
  }

  private static void limits(StringBuilder sb, String rule, List<Limit> ls, String indent) {
    int width = 0;
    for (Limit l : ls) {
      width = Math.max(width, l.name().length());
    }
    for (Limit l : ls) {
      sb.append(indent);
      if (ls.size() > 1 || !l.name().equals(rule)) {
        // The name shows in headers and metrics; a lone limit named after its rule goes unsaid.
        sb.append(l.name()).append(" ".repeat(width - l.name().length() + 2));
      }
      sb.append(l.summary()).append('\n');
    }
  }
}
