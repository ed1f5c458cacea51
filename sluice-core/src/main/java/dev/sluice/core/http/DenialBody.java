package dev.sluice.core.http;

import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.policy.DenialFormat;

/**
 * The body of a 429, exactly as the IPTO and Convotic rate-limit pages print it. The number in
 * every body equals the {@code Retry-After} header ({@link Decision#retryAfterSeconds()}).
 *
 * <ul>
 *   <li>{@code detail}: {@code {"detail": "Rate limit exceeded", "retry_after": 60}}
 *   <li>{@code error-code}: {@code {"error": {"code": "RATE_LIMITED", "message": "Rate limit
 *       exceeded. Retry after 12 seconds."}}}
 *   <li>{@code problem}: RFC 9457 {@code application/problem+json} with type {@code
 *       https://iana.org/assignments/http-problem-types#quota-exceeded}, status 429 and the names
 *       of the {@code violated-policies}.
 * </ul>
 */
public final class DenialBody {
  /** The problem type IANA registers for an exceeded quota. */
  public static final String QUOTA_EXCEEDED =
      "https://iana.org/assignments/http-problem-types#quota-exceeded";

  private DenialBody() {}

  /** The {@code Content-Type} of a body in {@code format}. */
  public static String contentType(DenialFormat format) {
    return format == DenialFormat.PROBLEM ? "application/problem+json" : "application/json";
  }

  /** The body for the denial {@code decision} in {@code format}. */
  public static String of(DenialFormat format, Decision decision) {
    long seconds = decision.retryAfterSeconds();
    switch (format) {
      case DETAIL:
        return "{\"detail\": \"Rate limit exceeded\", \"retry_after\": " + seconds + "}";
      case ERROR_CODE:
        return "{\"error\": {\"code\": \"RATE_LIMITED\", \"message\": \""
            + message(seconds)
            + "\"}}";
      case PROBLEM:
        StringBuilder sb =
            new StringBuilder(256)
                .append("{\"type\": \"")
                .append(QUOTA_EXCEEDED)
                .append("\", ")
                .append(
                    "\"title\": \"Request cannot be satisfied as assigned quota has been"
                        + " exceeded\", ")
                .append("\"status\": 429, ")
                .append("\"detail\": \"")
                .append(message(seconds))
                .append("\", ")
                .append("\"retry_after\": ")
                .append(seconds)
                .append(", ")
                .append("\"violated-policies\": [");
        boolean first = true;
        for (LimitStatus s : decision.violated()) {
          sb.append(first ? "" : ", ").append('"').append(s.limit().name()).append('"');
          first = false;
        }
        return sb.append("]}").toString();
      default:
        throw new AssertionError(format);
    }
  }

  private static String message(long seconds) {
    return "Rate limit exceeded. Retry after "
        + seconds
        + (seconds == 1 ? " second." : " seconds.");
  }
}
