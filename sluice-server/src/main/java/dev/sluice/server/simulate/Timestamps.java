package dev.sluice.server.simulate;

import java.time.DateTimeException;
import java.time.OffsetDateTime;

/** The timestamps access logs write, to epoch microseconds. */
final class Timestamps {
  private static final String MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

  private Timestamps() {}

  /**
   * The common log format's {@code 10/Oct/2000:13:55:36 -0700}, read by hand: a log holds millions
   * of them, and a formatter would cost more than the rest of the line.
   */
  static long clf(String s, int from, int to) throws Malformed {
    if (to - from != 26
        || s.charAt(from + 2) != '/'
        || s.charAt(from + 6) != '/'
        || s.charAt(from + 11) != ':'
        || s.charAt(from + 14) != ':'
        || s.charAt(from + 17) != ':'
        || s.charAt(from + 20) != ' ') {
      throw new Malformed("the time is not in the form 10/Oct/2000:13:55:36 -0700");
    }
    int day = digits(s, from, 2);
    int month = MONTHS.indexOf(s.substring(from + 3, from + 6));
    if (month < 0 || month % 3 != 0) {
      throw new Malformed("unknown month '" + s.substring(from + 3, from + 6) + "'");
    }
    int year = digits(s, from + 7, 4);
    int hour = digits(s, from + 12, 2);
    int minute = digits(s, from + 15, 2);
    int second = digits(s, from + 18, 2);
    char sign = s.charAt(from + 21);
    if (sign != '+' && sign != '-') {
      throw new Malformed("the time's offset is not +hhmm or -hhmm");
    }
    int offset = digits(s, from + 22, 2) * 3600 + digits(s, from + 24, 2) * 60;
    if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
      throw new Malformed("the time " + s.substring(from, to) + " does not exist");
    }
    long days = daysFromCivil(year, month / 3 + 1, day);
    long epoch = days * 86_400 + hour * 3600L + minute * 60L + second;
    epoch -= sign == '+' ? offset : -offset;
    return epoch * 1_000_000L;
  }

  /** An ISO-8601 time with an offset or {@code Z}, e.g. {@code 2016-04-15T20:17:00.310Z}. */
  static long iso(String s) throws Malformed {
    try {
      OffsetDateTime t = OffsetDateTime.parse(s);
      return t.toEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    } catch (DateTimeException e) {
      throw new Malformed("the time '" + s + "' is not ISO-8601 with an offset");
    }
  }

  /**
   * A number of seconds since the epoch (a fraction allowed); a number too large for seconds in
   * this era is read as milliseconds, then as microseconds.
   */
  static long epoch(double n) throws Malformed {
    if (!(n >= 0) || Double.isInfinite(n)) {
      throw new Malformed("the time " + n + " is not a time since the epoch");
    }
    if (n < 1e11) {
      return Math.round(n * 1e6);
    }
    if (n < 1e14) {
      return Math.round(n * 1e3);
    }
    return Math.round(n);
  }

  private static int digits(String s, int from, int n) throws Malformed {
    int v = 0;
    for (int i = from; i < from + n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new Malformed("the time has '" + c + "' where a digit belongs");
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
  static long daysFromCivil(long y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    long era = Math.floorDiv(y, 400);
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146_097 + doe - 719_468;
  }
}
