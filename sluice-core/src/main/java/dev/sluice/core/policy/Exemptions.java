package dev.sluice.core.policy;

import java.util.List;

/**
 * Who and what a policy never limits nor counts: client addresses, identities and routes. A request
 * that matches any of them is decided {@code EXEMPT}: it passes, charges no bucket (shadow rules'
 * included), and carries no rate-limit headers. The decision is still made, so listeners (metrics,
 * logs) see every exempted request under an outcome of its own: an exemption is never silent.
 *
 * <p>What matches:
 *
 * <ul>
 *   <li>{@code addresses}: the client's address as the {@code ip} key resolves it (the socket's
 *       peer, or through the policy's trusted proxies only; see {@code ClientAddress}), so a client
 *       cannot exempt itself by sending {@code X-Forwarded-For};
 *   <li>{@code identities}: a value a rule that applies to the request counts by (an API key, a
 *       token, an e-mail, after the rule's normalisation); the whole request is then exempt, not
 *       only that rule's bucket;
 *   <li>{@code routes}: method and path patterns as rules write them; a route naming GET covers
 *       HEAD too.
 * </ul>
 *
 * @param addresses client address blocks
 * @param identities identities, by fingerprint or by a value read from the environment
 * @param routes routes
 */
public record Exemptions(
    List<IpRange> addresses, List<ExemptIdentity> identities, List<Route> routes) {
  /** No exemptions. */
  public static final Exemptions NONE = new Exemptions(List.of(), List.of(), List.of());

  public Exemptions {
    addresses = Checks.list(addresses, "addresses");
    identities = Checks.list(identities, "identities");
    routes = Checks.list(routes, "routes");
  }

  /** Whether nothing is exempt. */
  public boolean isEmpty() {
    return addresses.isEmpty() && identities.isEmpty() && routes.isEmpty();
  }

  /** Whether {@code address} (an IP literal) lies in an exempt block. */
  public boolean exemptsAddress(String address) {
    for (IpRange r : addresses) {
      if (r.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
