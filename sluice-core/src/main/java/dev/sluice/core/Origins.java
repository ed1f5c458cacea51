package dev.sluice.core;

/**
 * The part of a client address that names one client for the in-memory store's ceiling on new
 * identities: an IPv4 address whole, an IPv6 address by its first 64 bits (one subnet, what one
 * host is usually given: a client holding a /64 could otherwise be a new origin per request).
 * Anything else (an IPv4 address, an IPv6 address with an IPv4 address in it, what is not an
 * address at all) is used as it is. No DNS, ever.
 */
final class Origins {
  private Origins() {}

  /**
   * {@code address}, or its IPv6 /64 prefix as {@code a:b:c:d::/64} (hextets in lower-case hex).
   */
  static String prefix(String address) {
    if (address.indexOf(':') < 0 || address.indexOf('.') >= 0) {
      return address; // IPv4, or IPv6 with an IPv4 address in it (::ffff:1.2.3.4): used whole
    }
    String a = address;
    int zone = a.indexOf('%');
    if (zone >= 0) {
      a = a.substring(0, zone);
    }
    if (a.startsWith("[") && a.endsWith("]")) {
      a = a.substring(1, a.length() - 1);
    }
    int gap = a.indexOf("::");
    String[] head;
    int tailGroups;
    if (gap < 0) {
      head = a.split(":", -1);
      tailGroups = 0;
    } else {
      String left = a.substring(0, gap);
      String right = a.substring(gap + 2);
      head = left.isEmpty() ? new String[0] : left.split(":", -1);
      tailGroups = right.isEmpty() ? 0 : groups(right);
      if (right.contains("::")) {
        return address;
      }
    }
    int total = gap < 0 ? groups(a) : head.length + tailGroups;
    if (total > 8 || (gap < 0 && total != 8)) {
      return address;
    }
    StringBuilder out = new StringBuilder(24);
    for (int i = 0; i < 4; i++) {
      int v = 0;
      if (i < head.length) {
        String g = head[i];
        if (g.isEmpty() || g.length() > 4 || g.indexOf('.') >= 0) {
          return address;
        }
        try {
          v = Integer.parseInt(g, 16);
        } catch (NumberFormatException e) {
          return address;
        }
      } else if (gap < 0) {
        return address;
      } else {
        // in the gap (zeros) or in the tail: the tail's groups start at 8 - tailGroups
        int tailStart = 8 - tailGroups;
        if (i >= tailStart) {
          return address; // a tail reaching into the first half: rare enough to use whole
        }
      }
      out.append(Integer.toHexString(v)).append(':');
    }
    return out.append(":/64").toString();
  }

  /** Groups in a colon-separated piece, an embedded IPv4 address counting as two. */
  private static int groups(String piece) {
    String[] parts = piece.split(":", -1);
    int n = parts.length;
    if (parts[n - 1].indexOf('.') >= 0) {
      n++;
    }
    return n;
  }
}
