package dev.sluice.config;

import dev.sluice.core.policy.ExemptIdentity;
import dev.sluice.core.policy.Exemptions;
import dev.sluice.core.policy.IpRange;
import dev.sluice.core.policy.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads {@code exempt:}: the addresses, identities and routes a policy never limits.
 *
 * <pre>{@code
 * exempt:
 *   addresses: [10.0.0.0/8, 2001:db8::/32]
 *   identities:
 *     - fingerprint: 3f2a9c0d11b74e58
 *     - env: MONITORING_API_KEY
 *   routes: [GET /health, /internal/**]
 * }</pre>
 *
 * An identity is never written in the file as its value: a policy file is reviewed, versioned and
 * copied, and an exempt key is the most valuable key there is. It is named by fingerprint, or by
 * the environment variable that holds it; an unset or empty variable is a located error, so a typo
 * never leaves an exemption silently off.
 */
final class ExemptionReader {
  static final List<String> FIELDS = List.of("addresses", "identities", "routes");
  private static final List<String> IDENTITY_FIELDS = List.of("fingerprint", "env");
  private static final String ENV_NAME = "[A-Za-z_][A-Za-z0-9_]*";

  private ExemptionReader() {}

  static Exemptions read(At at, Function<String, String> environment) {
    if (at.isNull()) {
      throw at.fail(
          "nothing is exempt; list addresses:, identities: or routes:, or remove 'exempt:'");
    }
    Fields f = at.fields("a mapping with addresses:, identities: and/or routes:", FIELDS);
    List<IpRange> addresses = new ArrayList<>();
    if (f.has("addresses")) {
      for (At item : f.get("addresses").oneOrMany()) {
        String text = item.text("an IP address or CIDR block, such as 10.0.0.0/8");
        try {
          addresses.add(IpRange.parse(text));
        } catch (IllegalArgumentException e) {
          throw item.fail(e.getMessage());
        }
      }
    }
    List<ExemptIdentity> identities = new ArrayList<>();
    if (f.has("identities")) {
      for (At item : f.get("identities").oneOrMany()) {
        identities.add(identity(item, environment));
      }
    }
    List<Route> routes = new ArrayList<>();
    if (f.has("routes")) {
      for (At item : f.get("routes").oneOrMany()) {
        routes.add(RuleReader.route(item));
      }
    }
    return new Exemptions(addresses, identities, routes);
  }

  private static ExemptIdentity identity(At item, Function<String, String> environment) {
    if (!item.isMapping()) {
      throw item.fail(
          "expected {fingerprint: 16 hex digits} or {env: VARIABLE}, found "
              + item.describe()
              + "; an identity's value is never written in the policy file");
    }
    Fields f = item.fields("{fingerprint: ...} or {env: ...}", IDENTITY_FIELDS);
    if (f.has("fingerprint") == f.has("env")) {
      throw item.fail("give either fingerprint: or env:, one per identity");
    }
    if (f.has("fingerprint")) {
      At fp = f.get("fingerprint");
      try {
        return ExemptIdentity.Fingerprint.parse(fp.text("16 hexadecimal digits"));
      } catch (IllegalArgumentException e) {
        throw fp.fail(e.getMessage());
      }
    }
    At env = f.get("env");
    String name = env.text("an environment variable name");
    if (!name.matches(ENV_NAME)) {
      throw env.fail("'" + name + "' is not an environment variable name");
    }
    String value = environment.apply(name);
    if (value == null || value.isEmpty()) {
      throw env.fail(
          "environment variable "
              + name
              + " is "
              + (value == null ? "not set" : "empty")
              + "; it must hold the identity to exempt (an API key, a token, ...)");
    }
    return new ExemptIdentity.FromEnvironment(name, value);
  }
}
