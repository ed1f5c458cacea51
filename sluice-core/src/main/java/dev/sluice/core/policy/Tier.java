package dev.sluice.core.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A class of customer whose limits differ from the policy's defaults ("higher limits for customers
 * who ask"): an identity put in a tier gets, on every rule, either the tier's own limits for that
 * rule, or the rule's limits scaled by the tier's factor.
 *
 * <p>Scaling multiplies each limit's permits (and a token bucket's burst) by {@code scale},
 * rounding down, never below 1: {@code scale: 5} turns 100/minute into 500/minute, {@code 0.5}
 * turns 3/hour into 1/hour. The windows and algorithms stay.
 *
 * @param name how the admin API and the policy refer to it ({@code free}, {@code pro}, ...)
 * @param scale the factor for every rule the tier does not list, greater than 0
 * @param limits rule name to the limits that replace that rule's limits for the tier
 */
public record Tier(String name, double scale, Map<String, List<Limit>> limits) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public Tier {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "tier name '" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    if (!(scale > 0) || Double.isInfinite(scale) || scale > 1_000_000) {
      throw new IllegalArgumentException(
          "tier '"
              + name
              + "' has scale "
              + scale
              + "; a scale is a number greater than 0 (and at most 1,000,000)");
    }
    Map<String, List<Limit>> copy = new LinkedHashMap<>();
    Checks.map(limits, "limits")
        .forEach(
            (rule, ls) -> {
              if (ls.isEmpty()) {
                throw new IllegalArgumentException(
                    "tier '" + name + "' gives rule '" + rule + "' no limits");
              }
              copy.put(rule, Checks.list(ls, "limits[" + rule + "]"));
            });
    limits = java.util.Collections.unmodifiableMap(copy);
  }

  /** The limits of {@code rule} for this tier. */
  public List<Limit> limitsFor(Rule rule) {
    List<Limit> own = limits.get(rule.name());
    if (own != null) {
      return own;
    }
    return scale == 1.0 ? rule.limits() : scaled(rule.limits(), scale);
  }

  /**
   * {@code limits} with permits and bursts multiplied by {@code scale}, rounded down, at least 1.
   */
  public static List<Limit> scaled(List<Limit> limits, double scale) {
    return limits.stream()
        .map(
            l -> {
              long permits = times(l.permits(), scale);
              long burst = l.algorithm().hasBurst() ? times(l.burst(), scale) : permits;
              return new Limit(l.name(), permits, l.window(), l.algorithm(), burst);
            })
        .toList();
  }

  private static long times(long n, double scale) {
    double v = Math.floor(n * scale);
    return (long) Math.max(1, Math.min(Limit.MAX_PERMITS, v));
  }
}
