package dev.sluice.client;

/**
 * Reads the unsigned decimal numbers of rate-limit headers without ever throwing: {@code 120},
 * {@code 1.5}, surrounding whitespace allowed; no sign, no exponent, no other characters. Integer
 * parts too large for a {@code long} saturate at {@link Long#MAX_VALUE} (a huge number is still
 * "huge", not garbage), fractions keep nanosecond precision.
 */
final class Numbers {
  static final int MAX_CHARS = 64;

  private Numbers() {}

  /** A non-negative decimal: {@code whole} (saturated) and the fraction in billionths. */
  record Decimal(long whole, int billionths) {
    /** The value taken as seconds, in nanoseconds, saturated. */
    long secondsAsNanos() {
      if (whole >= Long.MAX_VALUE / 1_000_000_000L) {
        return Long.MAX_VALUE;
      }
      return whole * 1_000_000_000L + billionths;
    }
  }

  /** {@code text} as a decimal, or {@code null} if it is not one. */
  static Decimal decimal(String text) {
    if (text == null || text.length() > MAX_CHARS) {
      return null;
    }
    String s = text.strip();
    int n = s.length();
    int i = 0;
    long whole = 0;
    while (i < n && isDigit(s.charAt(i))) {
      int d = s.charAt(i) - '0';
      whole = whole > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : whole * 10 + d;
      i++;
    }
    if (i == 0) {
      return null;
    }
    int billionths = 0;
    if (i < n && s.charAt(i) == '.') {
      i++;
      int start = i;
      int scale = 100_000_000;
      while (i < n && isDigit(s.charAt(i))) {
        billionths += (s.charAt(i) - '0') * scale;
        scale /= 10;
        i++;
      }
      if (i == start) {
        return null;
      }
    }
    return i == n ? new Decimal(whole, billionths) : null;
  }

  /** {@code text} as a non-negative integer (saturated), or -1 if it is not one. */
  static long nonNegative(String text) {
    Decimal d = decimal(text);
    return d == null || d.billionths() != 0 ? -1 : d.whole();
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
