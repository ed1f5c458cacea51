package dev.sluice.core.policy;

import java.time.Duration;
import java.util.Locale;

/**
 * Reads and prints the durations of policy files: {@code 1s}, {@code 15m}, {@code 1h}, {@code 1d},
 * {@code 250ms}, and the named windows {@code second}, {@code minute}, {@code hour}, {@code day}.
 */
public final class Durations {
  private Durations() {}

  /**
   * Parses {@code text}; returns {@code null} when it is not a duration, so callers can say where
   * and why.
   */
  public static Duration parse(String text) {
    if (text == null) {
      return null;
    }
    String s = text.trim().toLowerCase(Locale.ROOT);
    switch (s) {
      case "second":
      case "sec":
        return Duration.ofSeconds(1);
      case "minute":
      case "min":
        return Duration.ofMinutes(1);
      case "hour":
        return Duration.ofHours(1);
      case "day":
        return Duration.ofDays(1);
      case "week":
        return Duration.ofDays(7);
      default:
        break;
    }
    int i = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    if (i == 0 || i > 12) {
      return null;
    }
    long n = Long.parseLong(s.substring(0, i));
    String unit = s.substring(i).trim();
    switch (unit) {
      case "ms":
        return Duration.ofMillis(n);
      case "s":
      case "sec":
      case "second":
      case "seconds":
        return Duration.ofSeconds(n);
      case "m":
      case "min":
      case "minute":
      case "minutes":
        return Duration.ofMinutes(n);
      case "h":
      case "hour":
      case "hours":
        return Duration.ofHours(n);
      case "d":
      case "day":
      case "days":
        return Duration.ofDays(n);
      case "w":
      case "week":
      case "weeks":
        return Duration.ofDays(7 * n);
      default:
        return null;
    }
  }

  /**
   * The shortest readable name: {@code minute} for 60s, {@code 15m}, {@code 36h}, {@code 250ms}.
   */
  public static String label(Duration d) {
    long ms = d.toMillis();
    if (ms == 1_000) {
      return "second";
    }
    if (ms == 60_000) {
      return "minute";
    }
    if (ms == 3_600_000) {
      return "hour";
    }
    if (ms == 86_400_000) {
      return "day";
    }
    if (ms % 86_400_000 == 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }
}
