package dev.sluice.core.http;

/**
 * The JSON body of an error Sluice answers itself (400, 503, ...), as opposed to a 429, which
 * carries the policy's {@link DenialBody}: {@code {"error":{"code":"INVALID_REQUEST","message":
 * "..."}}}. One writer for every front door, so a client parses the same shape from each.
 */
public final class ErrorBody {
  /** The code of a request the policy cannot count (a 400). */
  public static final String INVALID_REQUEST = "INVALID_REQUEST";

  /** The code of a request the store cannot count now (a 503). */
  public static final String RATE_LIMIT_UNAVAILABLE = "RATE_LIMIT_UNAVAILABLE";

  /** The {@code Content-Type} of every error body. */
  public static final String CONTENT_TYPE = "application/json";

  private ErrorBody() {}

  /** The body for {@code code} and the human-readable {@code message}. */
  public static String of(String code, String message) {
    StringBuilder sb = new StringBuilder(48 + message.length()).append("{\"error\":{\"code\":");
    quote(code, sb).append(",\"message\":");
    return quote(message, sb).append("}}").toString();
  }

  /** Appends {@code s} as a JSON string (RFC 8259: quote, backslash and controls escaped). */
  static StringBuilder quote(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04X", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }
}
