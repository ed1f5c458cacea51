package dev.sluice.config;

import dev.sluice.core.policy.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.snakeyaml.engine.v2.nodes.Tag;

/** Reads the small scalar values of a policy file: choices, booleans, durations. */
final class Words {
  private Words() {}

  /**
   * One of {@code valid} (case-insensitive), returned as written in {@code valid}; fails naming
   * the nearest valid word and listing them all.
   */
  static String oneOf(At at, String what, List<String> valid) {
    String s = at.text("one of " + String.join(", ", valid)).toLowerCase(Locale.ROOT);
    if (valid.contains(s)) {
      return s;
    }
    String near = Suggest.nearest(s, valid);
    throw at.fail("unknown " + what + " '" + s + "'; "
        + (near != null ? "did you mean '" + near + "'? " : "")
        + "valid: " + String.join(", ", valid));
  }

  /** {@code true} or {@code false}. */
  static boolean bool(At at) {
    String s = at.text("true or false");
    if (Tag.BOOL.equals(at.node.getTag()) || s.equalsIgnoreCase("true")
        || s.equalsIgnoreCase("false")) {
      return s.equalsIgnoreCase("true");
    }
    throw at.fail("expected true or false, found '" + s + "'");
  }

  /** A duration with a unit: {@code 30d}, {@code 12h}, {@code 15m}, {@code 10s}, {@code 250ms}. */
  static Duration duration(At at) {
    String s = at.text("a duration such as 30d, 12h or 15m");
    Duration d = Durations.parse(s);
    if (d == null) {
      boolean bare = s.chars().allMatch(Character::isDigit);
      throw at.fail("'" + s + "' is not a duration"
          + (bare ? " (it has no unit)" : "")
          + "; write a number and a unit: 30d, 12h, 15m, 10s, 250ms");
    }
    return d;
  }

  /** Thousands written for people, {@code 10,000}: for summaries and messages. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
