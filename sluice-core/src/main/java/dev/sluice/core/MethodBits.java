package dev.sluice.core;

import dev.sluice.core.http.HttpMethods;
import dev.sluice.core.policy.Route;

/**
 * One bit per HTTP method (canonical, see {@link HttpMethods}), so a rule's methods are checked
 * with a mask instead of a set lookup. A request without a method, or with a method no route can
 * name, has bit 31: only rules of any method cover it.
 */
final class MethodBits {
  /** Every method: a global rule, or a route of any method. */
  static final int ANY = -1;

  private MethodBits() {}

  /** The bit of {@code method} (canonical), or bit 31 for none. */
  static int of(String method) {
    if (method == null) {
      return 1 << 31;
    }
    switch (method) {
      case "GET":
        return 1;
      case "HEAD":
        return 1 << 1;
      case "POST":
        return 1 << 2;
      case "PUT":
        return 1 << 3;
      case "PATCH":
        return 1 << 4;
      case "DELETE":
        return 1 << 5;
      case "OPTIONS":
        return 1 << 6;
      case "TRACE":
        return 1 << 7;
      case "CONNECT":
        return 1 << 8;
      default:
        return 1 << 31;
    }
  }

  /**
   * The methods {@code route} covers ({@link #ANY} for none named or no route).
   *
   * @param headAsGet whether a route naming GET covers HEAD too (servers answer HEAD with the GET
   *     handler): unless a route of the same path names HEAD itself
   */
  static int of(Route route, boolean headAsGet) {
    if (route == null || route.methods().isEmpty()) {
      return ANY;
    }
    int m = 0;
    for (String method : route.methods()) {
      m |= of(method);
    }
    if (headAsGet && (m & of("GET")) != 0) {
      m |= of("HEAD");
    }
    return m;
  }
}
