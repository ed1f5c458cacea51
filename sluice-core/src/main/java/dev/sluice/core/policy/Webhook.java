package dev.sluice.core.policy;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * Where to tell someone that an identity is nearing or has reached a limit: a JSON event is POSTed
 * to {@code url} once per window per identity and limit, each time usage crosses one of the {@code
 * thresholds} (percent of the limit used), signed with HMAC-SHA256 under the secret held in
 * environment variable {@code secretEnv} (never in the policy file).
 *
 * @param url an {@code http} or {@code https} URL
 * @param thresholds percentages from 1 to 100, ascending, e.g. {@code [80, 100]}
 * @param secretEnv the environment variable holding the signing secret
 * @param rules the rules it reports on; empty for every rule
 */
public record Webhook(URI url, List<Integer> thresholds, String secretEnv, List<String> rules) {

  public Webhook {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(secretEnv, "secretEnv");
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())
        || url.getHost() == null) {
      throw new IllegalArgumentException(
          "webhook url '" + url + "' must be an http:// or https:// URL");
    }
    thresholds = Checks.list(thresholds, "thresholds");
    rules = Checks.list(rules, "rules");
    if (thresholds.isEmpty()) {
      throw new IllegalArgumentException("a webhook needs at least one threshold, e.g. [80, 100]");
    }
    int previous = 0;
    for (int t : thresholds) {
      if (t < 1 || t > 100) {
        throw new IllegalArgumentException(
            "threshold " + t + "% is not a percentage from 1 to 100");
      }
      if (t <= previous) {
        throw new IllegalArgumentException(
            "thresholds must ascend without repeats, e.g. [80, 100]");
      }
      previous = t;
    }
    if (!secretEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException("'" + secretEnv + "' is not an environment variable name");
    }
  }

  /** Whether it reports on rule {@code name}. */
  public boolean covers(String name) {
    return rules.isEmpty() || rules.contains(name);
  }
}
