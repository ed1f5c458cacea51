package dev.sluice.server.gateway;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The hop-by-hop headers of RFC 9110 section 7.6.1: they describe one connection, so a proxy
 * removes them before forwarding a message, together with every header the message's {@code
 * Connection} header names.
 *
 * <p>This runs twice per proxied request, over every header, so names are compared in place,
 * ignoring case, against short arrays: no lower-case copy of each name, no set iterators.
 */
final class HopByHop {
  private static final String[] ALWAYS = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization"
  };
  private static final String[] NONE = {};

  private HopByHop() {}

  /**
   * Removes from {@code headers}, in place, the hop-by-hop headers and {@code skip}, in one pass
   * over the headers. Nothing is allocated when there is nothing to remove (most messages).
   */
  static void strip(HttpHeaders headers, String... skip) {
    String[] named =
        headers.contains("connection") ? connectionOptions(headers.getAll("connection")) : NONE;
    List<String> doomed = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        it.hasNext(); ) {
      String name = it.next().getKey().toString();
      if (isListed(name, ALWAYS) || isListed(name, skip) || isListed(name, named)) {
        if (doomed == null) {
          doomed = new ArrayList<>(4);
        }
        doomed.add(name);
      }
    }
    if (doomed != null) {
      doomed.forEach(headers::remove);
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
  private static String[] connectionOptions(List<String> connectionValues) {
    if (connectionValues.size() == 1) { // "keep-alive" or "close", nearly always: named already
      String v = connectionValues.get(0).trim();
      if (v.equalsIgnoreCase("keep-alive") || v.equalsIgnoreCase("close")) {
        return NONE;
      }
    }
    List<String> names = new ArrayList<>();
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
