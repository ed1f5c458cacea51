package dev.sluice.server.gateway;

import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The hop-by-hop headers of RFC 9110 section 7.6.1: they describe one connection, so a proxy
 * removes them before forwarding a message, together with every header the message's
 * {@code Connection} header names.
 *
 * <p>This runs twice per proxied request, over every header, so names are compared in place,
 * ignoring case, against short arrays: no lower-case copy of each name, no set iterators.
 */
final class HopByHop {
  private static final String[] ALWAYS = {
      "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
      "upgrade", "proxy-authenticate", "proxy-authorization"};
  private static final String[] NONE = {};

  private HopByHop() {}

  /** Copies {@code from} into {@code to}, leaving out hop-by-hop headers and {@code skip}. */
  static void copyEndToEnd(MultiMap from, MultiMap to, String... skip) {
    String[] named = connectionOptions(from);
    from.forEach((name, value) -> {
      if (!isListed(name, ALWAYS) && !isListed(name, skip) && !isListed(name, named)) {
        to.add(name, value);
      }
    });
  }

  /**
   * Removes from {@code headers}, in place, the hop-by-hop headers and {@code skip}. Nothing is
   * allocated when there is nothing to remove (most requests and responses).
   */
  static void strip(io.netty.handler.codec.http.HttpHeaders headers, String... skip) {
    String[] named = NONE;
    List<String> doomed = null;
    for (java.util.Iterator<java.util.Map.Entry<CharSequence, CharSequence>> it =
        headers.iteratorCharSequence(); it.hasNext(); ) {
      CharSequence name = it.next().getKey();
      String n = name.toString();
      if (isListed(n, ALWAYS) || isListed(n, skip)) {
        if (doomed == null) {
          doomed = new ArrayList<>(4);
        }
        doomed.add(n);
      }
    }
    if (headers.contains("connection")) {
      named = connectionOptions(headers.getAll("connection"));
      for (String n : named) {
        if (doomed == null) {
          doomed = new ArrayList<>(4);
        }
        doomed.add(n);
      }
    }
    if (doomed != null) {
      for (String n : doomed) {
        headers.remove(n);
      }
    }
  }

  /** Whether {@code name}, in any case, is one of {@code names}. */
  private static boolean isListed(String name, String[] names) {
    int length = name.length();
    for (String listed : names) {
      if (listed.length() == length && listed.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** The header names the {@code Connection} header lists, in lower case. */
  private static String[] connectionOptions(MultiMap headers) {
    if (headers.get("connection") == null) {
      return NONE;
    }
    return connectionOptions(headers.getAll("connection"));
  }

  private static String[] connectionOptions(List<String> connectionValues) {
    List<String> names = new ArrayList<>();
    if (connectionValues.size() == 1) { // "keep-alive" or "close", nearly always: named already
      String v = connectionValues.get(0).trim();
      if (v.equalsIgnoreCase("keep-alive") || v.equalsIgnoreCase("close")) {
        return NONE;
      }
    }
    for (String v : connectionValues) {
      for (String token : v.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          names.add(t);
        }
      }
    }
    return names.toArray(NONE);
  }
}
