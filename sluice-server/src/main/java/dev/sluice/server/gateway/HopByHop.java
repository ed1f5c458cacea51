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

  /** Copies {@code from} into {@code to}, leaving out hop-by-hop headers and {@code skip}. */
  static void copyEndToEnd(MultiMap from, MultiMap to, Set<String> skip) {
    Set<String> named = connectionOptions(from);
    for (var e : from) {
      String lower = e.getKey().toLowerCase(Locale.ROOT);
      if (!ALWAYS.contains(lower) && !named.contains(lower) && !skip.contains(lower)) {
        to.add(e.getKey(), e.getValue());
      }
    }
  }

  private static Set<String> connectionOptions(MultiMap headers) {
    var values = headers.getAll("connection");
    if (values.isEmpty()) {
      return Set.of();
    }
    java.util.HashSet<String> names = new java.util.HashSet<>();
    for (String v : values) {
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
