package dev.sluice.server.gateway;

import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.Set;

/**
 * The hop-by-hop headers of RFC 9110 section 7.6.1: they describe one connection, so a proxy
 * removes them before forwarding a message, together with every header the message's
 * {@code Connection} header names.
 */
final class HopByHop {
  private static final Set<String> ALWAYS = Set.of(
      "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
      "upgrade", "proxy-authenticate", "proxy-authorization");

  private HopByHop() {}

  /**
   * Copies {@code from} into {@code to}, leaving out hop-by-hop headers and {@code skip} (names
   * in lower case). Names are compared without building lower-case copies: this runs twice per
   * proxied request, over every header.
   */
  static void copyEndToEnd(MultiMap from, MultiMap to, Set<String> skip) {
    Set<String> named = connectionOptions(from);
    from.forEach((name, value) -> {
      if (!isListed(name, ALWAYS) && !isListed(name, skip) && (named.isEmpty() || !isListed(name, named))) {
        to.add(name, value);
      }
    });
  }

  /** Whether {@code name}, in any case, is in {@code lowerCaseNames}. */
  private static boolean isListed(String name, Set<String> lowerCaseNames) {
    if (lowerCaseNames.contains(name)) { // the common case: sent in lower case already
      return true;
    }
    for (String listed : lowerCaseNames) {
      if (listed.length() == name.length() && listed.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static Set<String> connectionOptions(MultiMap headers) {
    String first = headers.get("connection");
    if (first == null) {
      return Set.of();
    }
    java.util.HashSet<String> names = new java.util.HashSet<>();
    for (String v : headers.getAll("connection")) {
      for (String token : v.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          names.add(t);
        }
      }
    }
    return names;
  }
}
