package dev.sluice.config;

import dev.sluice.core.policy.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Reads the small scalar values of a policy file: choices, booleans, durations. */
final class Words {
  private Words() {}

  /**
   * One of {@code valid} (case-insensitive), returned as written in {@code valid}; fails naming the
   * nearest valid word and listing them all.
   */
  static String oneOf(At at, String what, List<String> valid) {
    String s = at.text("one of " + String.join(", ", valid)).toLowerCase(Locale.ROOT);
    if (valid.contains(s)) {
      return s;
    }
    String near = Suggest.nearest(s, valid);
    throw at.fail(
        "unknown "
            + what
            + " '"
            + s
            + "'; "
            + (near != null ? "did you mean '" + near + "'? " : "")
            + "valid: "
            + String.join(", ", valid));
  }

  /** {@code true} or {@code false}. */
  static boolean bool(At at) {
    String s = at.text("true or false");
    // The text decides, not the tag: '!!bool maybe' is no boolean.
    if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
      return s.equalsIgnoreCase("true");
    }
    throw at.fail("expected true or false, found '" + s + "'");
  }

  /** A duration with a unit: {@code 30d}, {@code 12h}, {@code 15m}, {@code 10s}, {@code 250ms}. */
  static Duration duration(At at) {
    String s = at.text("a duration such as 30d, 12h or 15m");
    Duration d = Durations.parse(s);
    if (d == null && tooLong(s)) {
      throw at.fail("'" + s + "' is longer than any duration here can be (at most 100 years)");
    }
    if (d == null) {
      boolean bare = s.chars().allMatch(Character::isDigit);
      throw at.fail(
          "'"
              + s
              + "' is not a duration"
              + (bare ? " (it has no unit)" : "")
              + "; write a number and a unit: 30d, 12h, 15m, 10s, 250ms");
    }
    return d;
  }

  /**
   * Whether {@code text} is a duration whose number has too many digits to be read ({@code
   * 99999999999999d}): a valid unit after more digits than {@link Durations#parse} takes.
   */
  static boolean tooLong(String text) {
    String s = text.trim();
    int i = 0;
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    return i > 12 && Durations.parse("1" + s.substring(i)) != null;
  }

  /** Thousands written for people, {@code 10,000}: for summaries and messages. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
