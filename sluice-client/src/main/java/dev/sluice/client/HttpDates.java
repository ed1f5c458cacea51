package dev.sluice.client;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Reads an HTTP-date in the three forms RFC 9110 (section 5.6.7) obliges recipients to accept:
 * IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), the obsolete RFC 850 form ({@code Sunday,
 * 06-Nov-94 08:49:37 GMT}) and asctime ({@code Sun Nov 6 08:49:37 1994}). Anything else, including
 * a weekday that contradicts the date, is not a date: {@code null}.
 */
final class HttpDates {
  private static final DateTimeFormatter RFC_850 =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .appendPattern("EEEE, dd-MMM-")
          // Two-digit years read as 1970..2069: RFC 9110 wants a year that looks more than 50 years
          // ahead read as the past, which this satisfies until 2019 + 50; Retry-After values are
          // near the present anyway.
          .appendValueReduced(ChronoField.YEAR, 2, 2, 1970)
          .appendPattern(" HH:mm:ss 'GMT'")
          .toFormatter(Locale.US)
          .withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter ASCTIME =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .appendPattern("EEE MMM ppd HH:mm:ss uuuu")
          .toFormatter(Locale.US)
          .withZone(ZoneOffset.UTC);
  private static final int MAX_CHARS = 64;

  private HttpDates() {}

  /** The instant {@code text} names, or {@code null} if it is not an HTTP-date. */
  static Instant parse(String text) {
    if (text == null) {
      return null;
    }
    String s = text.strip();
    if (s.isEmpty() || s.length() > MAX_CHARS || Character.isDigit(s.charAt(0))) {
      return null;
    }
    for (DateTimeFormatter f :
        new DateTimeFormatter[] {DateTimeFormatter.RFC_1123_DATE_TIME, RFC_850, ASCTIME}) {
      try {
        return Instant.from(f.parse(s));
      } catch (DateTimeException e) {
        // not this form; try the next
      }
    }
    return null;
  }
}
