package dev.sluice.client;

import java.net.http.HttpHeaders;
import java.time.Instant;

/**
 * What a server says about time, in this machine's terms: {@code Retry-After} as a delay, and
 * absolute instants (an HTTP-date, an epoch reset) moved onto the local clock.
 *
 * <h2>Clock skew</h2>
 *
 * An absolute instant is only as good as the agreement between the server's clock and ours. Every
 * response carries the server's clock in {@code Date}, but only to the second: used always, it
 * would make every reset up to a second late (a 2-second window would idle half the time). So the
 * local clock is trusted while it agrees with {@code Date} within {@link #SKEW_TOLERANCE_NANOS}
 * (truncation plus latency), and only beyond that, when the clocks clearly disagree, is an instant
 * translated as {@code local = instant + (receivedAt - Date)}. A garbage {@code Date} is ignored.
 */
final class ServerTime {
  static final long SKEW_TOLERANCE_NANOS = 5_000_000_000L;

  /** Instants beyond about the year 33658 are clamped there, so arithmetic on them cannot fail. */
  private static final Instant LATEST = Instant.ofEpochSecond(1_000_000_000_000L);

  private ServerTime() {}

  /** {@code serverInstant} on the local clock, given the response it came in. */
  static Instant toLocal(Instant serverInstant, HttpHeaders headers, Instant receivedAt) {
    Instant t =
        serverInstant.isAfter(LATEST)
            ? LATEST
            : serverInstant.isBefore(Instant.EPOCH) ? Instant.EPOCH : serverInstant;
    Instant date = HttpDates.parse(headers.firstValue("Date").orElse(null));
    if (date == null) {
      return t;
    }
    long skew = Nanos.between(date, receivedAt);
    return Math.abs(skew) <= SKEW_TOLERANCE_NANOS ? t : t.plusNanos(skew);
  }

  /**
   * The delay {@code Retry-After} asks for, in nanoseconds from {@code receivedAt}: delay-seconds
   * ({@code 120}), tolerating a decimal ({@code 1.5}) and a repeated field folded into a list by a
   * proxy ({@code 120, 120}; if they differ, the longest); or an HTTP-date, a date already past
   * meaning zero. -1 when there is none or it is unusable (negative, garbage). A huge value
   * saturates at {@link Long#MAX_VALUE}; the caller compares it with its cap.
   */
  static long retryAfterNanos(HttpHeaders headers, Instant receivedAt) {
    for (String value : headers.allValues("Retry-After")) {
      Numbers.Decimal seconds = Numbers.decimal(value);
      if (seconds != null) {
        return seconds.secondsAsNanos();
      }
      long folded = longestOfFolded(value);
      if (folded >= 0) {
        return folded;
      }
      Instant date = HttpDates.parse(value);
      if (date != null) {
        return Math.max(0, Nanos.between(receivedAt, toLocal(date, headers, receivedAt)));
      }
    }
    return -1;
  }

  /** The longest of a comma-separated list of delay-seconds, or -1 unless each is one. */
  private static long longestOfFolded(String value) {
    if (value.indexOf(',') < 0 || value.length() > FieldList.MAX_CHARS) {
      return -1;
    }
    long longest = -1;
    for (String part : FieldList.split(value, ',')) {
      Numbers.Decimal d = Numbers.decimal(part);
      if (d == null) {
        return -1;
      }
      longest = Math.max(longest, d.secondsAsNanos());
    }
    return longest;
  }
}
