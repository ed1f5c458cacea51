package dev.sluice.core.http;

/**
 * The canonical spelling of an HTTP method. The nine standard methods of RFC 9110 and RFC 5789
 * (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT) are upper case, whatever case a
 * client wrote them in: a server that matches methods ignoring case (many do) would serve {@code
 * post} as POST, so Sluice counts it as POST. Any other method that is an RFC 9110 token ({@code
 * PROPFIND}, {@code PURGE}) is an extension method, kept as written (methods are case-sensitive):
 * no route can name one, so only the global rules and routes of any method count it. A method that
 * is not a token has no canonical form and is refused (400 {@code BAD_METHOD}).
 */
public final class HttpMethods {
  private static final String[] STANDARD = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"
  };

  private HttpMethods() {}

  /**
   * The standard method {@code method} names, in upper case (the same {@code String} constant each
   * time); else {@code method} itself if it is a token (an extension method); else {@code null}.
   */
  public static String canonical(String method) {
    if (method == null) {
      return null;
    }
    switch (method) { // the spelling nearly every request uses: no case-insensitive compare
      case "GET":
        return "GET";
      case "POST":
        return "POST";
      case "HEAD":
        return "HEAD";
      case "PUT":
        return "PUT";
      case "PATCH":
        return "PATCH";
      case "DELETE":
        return "DELETE";
      case "OPTIONS":
        return "OPTIONS";
      case "TRACE":
        return "TRACE";
      case "CONNECT":
        return "CONNECT";
      default:
        break;
    }
    for (String m : STANDARD) {
      if (m.equalsIgnoreCase(method)) {
        return m;
      }
    }
    return isToken(method) ? method : null;
  }

  /** Whether {@code method} is one of the nine standard methods, in upper case. */
  public static boolean isStandard(String method) {
    for (String m : STANDARD) {
      if (m.equals(method)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code s} is an RFC 9110 token: letters, digits and {@code !#$%&'*+-.^_`|~}. */
  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@link #canonical}, or an {@link InvalidRequestException} ({@code BAD_METHOD}) saying why not.
   */
  public static String require(String method) {
    String m = canonical(method);
    if (m == null) {
      throw new InvalidRequestException(InvalidRequestException.BAD_METHOD, problem(method));
    }
    return m;
  }

  /** Why {@code method} has no canonical form, in words for the client. */
  public static String problem(String method) {
    String shown = method == null ? "(none)" : Texts.shorten(method);
    return "'"
        + shown
        + "' is not an HTTP method: a method is a standard one (GET, POST, ...) or a token of"
        + " letters, digits and !#$%&'*+-.^_`|~";
  }
}
