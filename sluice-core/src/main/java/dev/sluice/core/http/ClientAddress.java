package dev.sluice.core.http;

import dev.sluice.core.policy.IpRange;
import dev.sluice.core.policy.Policy;
import java.util.ArrayList;
import java.util.List;

/**
 * Who the client is, for the {@code ip} key: the socket's peer, unless the peer is one of the
 * policy's trusted proxies; then the right-most {@code X-Forwarded-For} entry that is not itself a
 * trusted proxy.
 *
 * <p>Why right-most: every proxy appends the address it received the request from, so the entries
 * to the right of the first untrusted one were written by proxies we trust, and those to its left
 * were written by the client, who can write anything. Taking the left-most entry (as many limiters
 * do) lets a client pick a fresh identity per request by sending a header.
 *
 * <p>An entry that is not an IP address (a client's garbage passed along by a proxy that does not
 * append, or {@code unknown}) stops the walk: the client is then the last trusted hop that handed
 * it over. Addresses are returned in one canonical spelling, so a client cannot get a second bucket
 * by writing its address differently.
 *
 * <p>Every front door resolves the client this way (the gateway, the Spring Boot starter), so a
 * policy's {@code trusted-proxies} mean the same wherever it is enforced.
 */
public final class ClientAddress {
  private ClientAddress() {}

  /**
   * The client's address.
   *
   * @param peer the socket peer's address, as text
   * @param forwardedFor every {@code X-Forwarded-For} header value, in the order received
   * @param policy whose trusted proxies apply
   */
  public static String resolve(String peer, List<String> forwardedFor, Policy policy) {
    if (policy.trustedProxies().isEmpty() && peer != null && peer.indexOf(':') < 0) {
      return peer; // a socket's IPv4 peer is already in canonical form: the common case, for free
    }
    String client = canonicalOr(peer);
    if (policy.trustedProxies().isEmpty()
        || forwardedFor.isEmpty()
        || !policy.isTrustedProxy(client)) {
      return client;
    }
    List<String> hops = new ArrayList<>();
    for (String value : forwardedFor) {
      for (String entry : value.split(",", -1)) {
        hops.add(entry.trim());
      }
    }
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = IpRange.canonical(stripPort(hops.get(i)));
      if (hop == null) {
        return client; // the last trusted hop: nothing further left is believable
      }
      client = hop;
      if (!policy.isTrustedProxy(hop)) {
        return hop;
      }
    }
    return client; // every hop is trusted: the left-most is the best we know
  }

  /** The peer's canonical spelling, or the text itself if it is not an address (a Unix socket). */
  private static String canonicalOr(String peer) {
    String c = IpRange.canonical(peer);
    return c != null ? c : peer;
  }

  /** {@code 1.2.3.4:5678} → {@code 1.2.3.4}; {@code [2001:db8::1]:443} → {@code 2001:db8::1}. */
  public static String stripPort(String entry) {
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      return close > 0 ? entry.substring(1, close) : entry;
    }
    int colon = entry.indexOf(':');
    if (colon > 0 && colon == entry.lastIndexOf(':') && entry.indexOf('.') > 0) {
      return entry.substring(0, colon);
    }
    return entry;
  }
}
