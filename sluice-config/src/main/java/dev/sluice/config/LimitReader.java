package dev.sluice.config;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.Durations;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads limits: the shorthand {@code N/WINDOW} ({@code 100/minute}, {@code 10_000/day}, {@code
 * 5/lifetime}, {@code 50/15m}) or the long form {@code {limit: 10/second, algorithm: token-bucket,
 * burst: 20, name: api-burst}}.
 *
 * <p>Limits are read before they are named, because a default name depends on how many limits the
 * rule has; {@link #build} names one.
 */
final class LimitReader {
  static final List<String> FIELDS = List.of("limit", "algorithm", "burst", "name");

  /** The algorithms' labels, in the enum's order: {@code fixed}, {@code sliding}, ... */
  static final List<String> ALGORITHMS =
      Arrays.stream(Algorithm.values()).map(Algorithm::label).toList();

  static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private static final List<String> WINDOWS =
      List.of("second", "minute", "hour", "day", "week", "lifetime");
  private static final String WINDOW_FORMS =
      "second, minute, hour, day, week, lifetime or a" + " duration such as 15m, 1h, 250ms";

  /** Digits, optionally grouped as {@code 10_000} or {@code 10,000}. */
  private static final Pattern NUMBER = Pattern.compile("\\d+(_\\d+)*|\\d{1,3}(,\\d{3})+");

  private LimitReader() {}

  /**
   * A limit as written, not yet named.
   *
   * @param at where it is written
   * @param name its explicit {@code name:}, or {@code null}
   */
  record Spec(At at, long permits, Window window, Algorithm algorithm, long burst, String name) {}

  /** The limits of {@code limits}: one limit, or a list of them. */
  static List<Spec> read(At limits, Algorithm defaultAlgorithm, Duration retention) {
    if (limits.isNull()) {
      throw limits.fail(
          "no limits given; write one (limits: 100/minute) or a list"
              + " (limits: [100/minute, 1000/hour])");
    }
    List<At> items = limits.oneOrMany();
    if (items.isEmpty()) {
      throw limits.fail("an empty list limits nothing; give at least one limit, e.g. 100/minute");
    }
    List<Spec> out = new ArrayList<>(items.size());
    for (At item : items) {
      out.add(one(item, defaultAlgorithm, retention));
    }
    return out;
  }

  /** The limit named {@code name}; core's own checks fail located at the limit. */
  static Limit build(Spec s, String name) {
    try {
      return new Limit(name, s.permits(), s.window(), s.algorithm(), s.burst());
    } catch (IllegalArgumentException e) {
      throw s.at().fail(e.getMessage());
    }
  }

  private static Spec one(At at, Algorithm defaultAlgorithm, Duration retention) {
    if (at.isList()) {
      throw at.fail("expected a limit such as 100/minute, found a list inside the list");
    }
    if (!at.isMapping()) {
      Rate r = rate(at, retention);
      Algorithm a =
          r.window() instanceof Window.Lifetime ? Algorithm.FIXED_WINDOW : defaultAlgorithm;
      return new Spec(at, r.permits(), r.window(), a, r.permits(), null);
    }
    Fields f = at.fields("a limit", FIELDS);
    Rate r = rate(f.require("limit", "write the rate as limit: 10/second"), retention);
    boolean lifetime = r.window() instanceof Window.Lifetime;
    Algorithm algorithm = defaultAlgorithm;
    At algorithmAt = f.get("algorithm");
    if (algorithmAt != null) {
      algorithm = Algorithm.fromLabel(Words.oneOf(algorithmAt, "algorithm", ALGORITHMS));
      if (lifetime && algorithm != Algorithm.FIXED_WINDOW) {
        throw algorithmAt.fail(
            "a lifetime budget never refills, so it is always a plain counter;"
                + " remove 'algorithm: "
                + algorithm.label()
                + "' (or write 'fixed')");
      }
    }
    if (lifetime) {
      algorithm = Algorithm.FIXED_WINDOW;
    }
    long burst = r.permits();
    At burstAt = f.get("burst");
    if (burstAt != null) {
      if (!algorithm.hasBurst()) {
        throw burstAt.fail(
            lifetime
                ? "a lifetime budget has no burst; remove 'burst:'"
                : "burst applies only to token-bucket limits, and this one counts with '"
                    + algorithm.label()
                    + "'; add algorithm: token-bucket or remove 'burst:'");
      }
      burst = burstAt.wholeNumber("burst", 1, Limit.MAX_PERMITS);
    }
    String name = null;
    At nameAt = f.get("name");
    if (nameAt != null) {
      name = nameAt.text("a limit name such as api-burst");
      if (!NAME.matcher(name).matches()) {
        throw nameAt.fail(
            "limit name '" + name + "' must be 1 to 64 letters, digits, '.', '_'" + " or '-'");
      }
    }
    return new Spec(at, r.permits(), r.window(), algorithm, burst, name);
  }

  private record Rate(long permits, Window window) {}

  private static Rate rate(At at, Duration retention) {
    String text = at.text("a limit such as 100/minute");
    int slash = text.indexOf('/');
    if (slash < 0) {
      boolean splitByFlowList = at.field.endsWith("]") && text.matches("\\d{1,3}");
      throw at.fail(
          "'"
              + text
              + "' has no window; write N/WINDOW, e.g. 100/minute"
              + (splitByFlowList
                  ? " (inside [ ], a ',' separates items: write 1_000/minute or quote the limit)"
                  : ""));
    }
    String count = text.substring(0, slash).trim();
    String window = text.substring(slash + 1).trim();
    if (window.contains("/") || window.contains(",")) {
      throw at.fail(
          "'"
              + text
              + "' holds several limits; write them as a list:"
              + " [100/minute, 1000/hour]");
    }
    return new Rate(permits(at, text, count), window(at, text, count, window, retention));
  }

  private static long permits(At at, String text, String count) {
    if (!NUMBER.matcher(count).matches()) {
      throw at.fail(
          "'"
              + count
              + "' in '"
              + text
              + "' is not a number of requests; write"
              + " N/WINDOW with N a whole number, e.g. 100/minute or 10_000/day");
    }
    String digits = count.replace("_", "").replace(",", "");
    long n = digits.length() > 12 ? Long.MAX_VALUE : Long.parseLong(digits);
    if (n < 1) {
      throw at.fail(
          "'"
              + text
              + "' allows no request at all; a limit allows at least 1 request"
              + " per window");
    }
    if (n > Limit.MAX_PERMITS) {
      throw at.fail(
          "'"
              + text
              + "' allows too many requests; at most "
              + Words.count(Limit.MAX_PERMITS)
              + " per window");
    }
    return n;
  }

  private static Window window(
      At at, String text, String count, String window, Duration retention) {
    String w = window.toLowerCase(Locale.ROOT);
    if (w.equals("lifetime")) {
      return Window.lifetime(retention);
    }
    int space = w.indexOf(' ');
    if (space > 0) {
      String first = w.substring(0, space);
      if (first.equals("lifetime") || Durations.parse(first) != null) {
        throw at.fail(
            "'"
                + text
                + "': an algorithm goes in the long form: {limit: "
                + count
                + "/"
                + first
                + ", algorithm: "
                + w.substring(space + 1).trim()
                + "}");
      }
    }
    Duration d = w.isEmpty() ? null : Durations.parse(w);
    if (d == null && Words.tooLong(w)) {
      throw at.fail(
          "the window of '"
              + text
              + "' is longer than any window can be; a window"
              + " lasts at most 100 years");
    }
    if (d == null) {
      String near = w.isEmpty() ? null : Suggest.nearest(w, WINDOWS);
      throw at.fail(
          (w.isEmpty()
                  ? "'" + text + "' has no window"
                  : "unknown window '" + window + "' in '" + text + "'")
              + "; "
              + (near != null ? "did you mean '" + near + "'? " : "")
              + "a window is "
              + WINDOW_FORMS);
    }
    if (d.toMillis() < 1) {
      throw at.fail(
          "the window of '" + text + "' is shorter than 1ms; a window lasts at least" + " 1ms");
    }
    try {
      return Window.of(d);
    } catch (IllegalArgumentException e) {
      throw at.fail(e.getMessage());
    }
  }
}
