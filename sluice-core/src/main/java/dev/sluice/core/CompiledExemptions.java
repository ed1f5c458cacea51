package dev.sluice.core;

import dev.sluice.core.policy.ExemptIdentity;
import dev.sluice.core.policy.Exemptions;
import dev.sluice.core.policy.IpRange;
import dev.sluice.core.policy.Route;
import java.util.Arrays;
import java.util.List;

/**
 * A policy's {@link Exemptions} as the engine checks them per request, each with the {@link
 * Decision} it yields made once (an exempt decision carries no limits, so one instance serves every
 * request it exempts).
 *
 * <p>Addresses are checked against the client address the front door resolved (through trusted
 * proxies only), routes through a {@link Router} of their own and a method mask each, identities as
 * fingerprints in a sorted array searched by bisection: an identity given by an environment
 * variable is hashed once here, under the engine's identity secret, so it is compared as any
 * fingerprint is, without keeping its hash anywhere a person reads. With no exemptions of a kind,
 * its check costs one length test.
 */
final class CompiledExemptions {
  private final IpRange[] addresses;
  private final Decision[] byAddress;
  private final Router routes = new Router();
  private final int[] routeMethods;
  private final Decision[] byRoute;
  private final int routeWords;
  private final long[] fingerprints;
  private final Decision[] byFingerprint;

  CompiledExemptions(Exemptions exemptions, SipHash hasher, boolean foldCase) {
    addresses = exemptions.addresses().toArray(new IpRange[0]);
    byAddress = new Decision[addresses.length];
    for (int i = 0; i < addresses.length; i++) {
      byAddress[i] = Decision.exempt("address " + addresses[i]);
    }
    List<Route> rs = exemptions.routes();
    routeMethods = new int[rs.size()];
    byRoute = new Decision[rs.size()];
    for (int i = 0; i < rs.size(); i++) {
      Route r = rs.get(i);
      routes.add(r.path(), i, foldCase);
      routeMethods[i] = MethodBits.of(r, true);
      byRoute[i] = Decision.exempt("route " + r);
    }
    routeWords = (rs.size() + 63) / 64;
    List<ExemptIdentity> ids = exemptions.identities();
    long[][] pairs = new long[ids.size()][];
    Decision[] decisions = new Decision[ids.size()];
    for (int i = 0; i < ids.size(); i++) {
      ExemptIdentity id = ids.get(i);
      long fp =
          id instanceof ExemptIdentity.Fingerprint f
              ? f.fingerprint()
              : hasher.hash(((ExemptIdentity.FromEnvironment) id).value());
      pairs[i] = new long[] {fp, i};
      decisions[i] = Decision.exempt("identity " + id.describe());
    }
    Arrays.sort(pairs, (a, b) -> Long.compare(a[0], b[0]));
    fingerprints = new long[pairs.length];
    byFingerprint = new Decision[pairs.length];
    for (int i = 0; i < pairs.length; i++) {
      fingerprints[i] = pairs[i][0];
      byFingerprint[i] = decisions[(int) pairs[i][1]];
    }
  }

  /** Whether some identity is exempt: only then are fingerprints looked up. */
  boolean hasIdentities() {
    return fingerprints.length != 0;
  }

  /**
   * The exempt decision for a request from {@code client} for {@code method} (its bit) and {@code
   * path} (canonical), or {@code null} if neither its address nor its route is exempt.
   */
  Decision byRequest(String client, int methodBit, String path) {
    if (addresses.length != 0 && client != null) {
      for (int i = 0; i < addresses.length; i++) {
        if (addresses[i].contains(client)) {
          return byAddress[i];
        }
      }
    }
    if (byRoute.length != 0 && path != null) {
      long[] matched = new long[routeWords]; // a fresh mask: many threads decide at once
      routes.match(path, matched);
      for (int w = 0; w < matched.length; w++) {
        for (long bits = matched[w]; bits != 0; bits &= bits - 1) {
          int i = (w << 6) + Long.numberOfTrailingZeros(bits);
          if ((routeMethods[i] & methodBit) != 0) {
            return byRoute[i];
          }
        }
      }
    }
    return null;
  }

  /** The exempt decision for an identity of this fingerprint, or {@code null}. */
  Decision byFingerprint(long fingerprint) {
    int i = Arrays.binarySearch(fingerprints, fingerprint);
    return i < 0 ? null : byFingerprint[i];
  }
}
