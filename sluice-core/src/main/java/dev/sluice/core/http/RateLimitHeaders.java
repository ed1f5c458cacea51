package dev.sluice.core.http;

import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.Window;
import java.util.ArrayList;
import java.util.List;

/**
 * The rate-limit headers of a response, as a plain function of a {@link Decision}.
 *
 * <ul>
 *   <li>{@code x-ratelimit}: {@code X-RateLimit-Limit} and {@code X-RateLimit-Remaining} of the
 *       binding limit (for a token bucket, the limit is its capacity, the burst, which is what
 *       remaining counts down from), and, when the policy asks, {@code X-RateLimit-Reset} as Unix
 *       epoch seconds (rounded up, so the limit is surely reset at that second).
 *   <li>{@code ietf} (draft-ietf-httpapi-ratelimit-headers-11): {@code RateLimit-Policy} lists
 *       every limit the request was evaluated against ({@code "minute";q=100;w=60}; a lifetime
 *       budget has no {@code w}); {@code RateLimit} gives the binding one ({@code
 *       "minute";r=42;t=17}, {@code t} in seconds rounded up).
 *   <li>Every denial carries {@code Retry-After} in whole seconds, rounded up, never 0, whatever
 *       the dialect; so does a 503 for an unavailable store.
 * </ul>
 *
 * A request no rule covers gets no rate-limit headers.
 */
public final class RateLimitHeaders {
  private RateLimitHeaders() {}

  /** The headers for {@code decision} in {@code dialect}. */
  public static List<Header> of(HeaderDialect dialect, boolean resetHeader, Decision decision) {
    List<Header> out = new ArrayList<>(5);
    LimitStatus b = decision.binding();
    if (b != null) {
      if (dialect == HeaderDialect.X_RATELIMIT || dialect == HeaderDialect.BOTH) {
        out.add(new Header("X-RateLimit-Limit", Long.toString(b.limit().capacity())));
        out.add(new Header("X-RateLimit-Remaining", Long.toString(b.remaining())));
        if (resetHeader) {
          out.add(new Header("X-RateLimit-Reset", Long.toString(Seconds.ceil(b.resetAtMicros()))));
        }
      }
      if (dialect == HeaderDialect.IETF || dialect == HeaderDialect.BOTH) {
        out.add(new Header("RateLimit-Policy", policyField(decision)));
        long t = Seconds.ceil(b.resetAtMicros() - decision.nowMicros());
        out.add(
            new Header("RateLimit", '"' + b.limit().name() + "\";r=" + b.remaining() + ";t=" + t));
      }
    }
    long retry = decision.retryAfterSeconds();
    if (retry > 0) {
      out.add(new Header("Retry-After", Long.toString(retry)));
    }
    return out;
  }

  private static String policyField(Decision decision) {
    StringBuilder sb = new StringBuilder();
    for (LimitStatus s : decision.limits()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append('"').append(s.limit().name()).append("\";q=").append(s.limit().permits());
      if (s.limit().window() instanceof Window.Every every) {
        sb.append(";w=").append(Math.max(1, Seconds.ceil(every.micros())));
      }
    }
    return sb.toString();
  }
}
