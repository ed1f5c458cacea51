package dev.sluice.core;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.Tier;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one identity gets instead of the policy's defaults: a tier, limits of its own for some
 * rules, or both (its own limits win over its tier's), until an optional expiry.
 *
 * @param tier a tier of the policy, or {@code null}
 * @param limits rule name to the limits this identity gets on that rule
 * @param expiresAt when the override stops applying, or {@code null} for never
 */
public record KeyOverride(String tier, Map<String, List<Limit>> limits, Instant expiresAt) {

  public KeyOverride {
    Objects.requireNonNull(limits, "limits");
    Map<String, List<Limit>> copy = new LinkedHashMap<>();
    limits.forEach(
        (rule, ls) -> {
          Objects.requireNonNull(rule, "limits: a rule name");
          Objects.requireNonNull(ls, "limits: the limits of rule '" + rule + "'");
          if (ls.isEmpty()) {
            throw new IllegalArgumentException(
                "an override for rule '" + rule + "' needs at least one limit");
          }
          copy.put(rule, List.copyOf(ls));
        });
    limits = Collections.unmodifiableMap(copy);
    if (tier == null && limits.isEmpty()) {
      throw new IllegalArgumentException("an override sets a tier, limits for some rules, or both");
    }
  }

  /** Just a tier, for good. */
  public static KeyOverride tier(String tier) {
    return new KeyOverride(tier, Map.of(), null);
  }

  /**
   * Checks that the override fits {@code policy}: its tier exists, its rules exist, and each rule's
   * limits are valid for that rule (a rule's cost must fit its limits).
   *
   * @throws IllegalArgumentException saying what does not fit
   */
  public void validate(Policy policy) {
    if (tier != null && !policy.tiers().containsKey(tier)) {
      throw new IllegalArgumentException(
          "the policy has no tier '"
              + tier
              + "'"
              + (policy.tiers().isEmpty()
                  ? " (it defines none)"
                  : "; its tiers are " + String.join(", ", policy.tiers().keySet())));
    }
    limits.forEach(
        (name, ls) -> {
          Rule r = policy.rule(name);
          if (r == null) {
            throw new IllegalArgumentException("the policy has no rule '" + name + "'");
          }
          new Rule(r.name(), r.route(), r.key(), ls, r.cost(), r.onMissingKey(), r.shadow());
        });
  }

  /**
   * The limits this identity gets on {@code rule}: its own, else its tier's, else {@code null} (the
   * rule's defaults).
   */
  List<Limit> limitsFor(Rule rule, Map<String, Tier> tiers) {
    List<Limit> own = limits.get(rule.name());
    if (own != null) {
      return own;
    }
    Tier t = tier == null ? null : tiers.get(tier);
    return t == null ? null : t.limitsFor(rule);
  }

  /** Whether it applies at {@code epochMicros}. */
  boolean appliesAt(long epochMicros) {
    if (expiresAt == null) {
      return true;
    }
    // Saturating: an expiry past what epoch microseconds hold (year 294,247) is "never", one
    // before them (year -290,308) is long past.
    long seconds = expiresAt.getEpochSecond();
    if (seconds >= Long.MAX_VALUE / 1_000_000L) {
      return true;
    }
    if (seconds <= Long.MIN_VALUE / 1_000_000L) {
      return false;
    }
    return epochMicros < seconds * 1_000_000L + expiresAt.getNano() / 1_000;
  }
}
