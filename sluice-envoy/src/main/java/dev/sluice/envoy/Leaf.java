package dev.sluice.envoy;

import dev.sluice.core.policy.Limit;
import java.util.List;

/**
 * The limit a descriptor of the configuration sets.
 *
 * @param rule the name of the Sluice rule that counts it, or {@code null} when nothing is counted
 *     ({@code unlimited}, or {@code requests_per_unit: 0})
 * @param name the {@code name} of its {@code rate_limit}, or empty
 * @param replaces the names of the limits it replaces
 * @param unlimited {@code unlimited: true}: never limited
 * @param blocked {@code requests_per_unit: 0}: always over the limit, nothing counted
 * @param shadow {@code shadow_mode: true}: counted, never denying
 * @param windows what Envoy is told of each window, in the order of the rule's limits
 */
record Leaf(
    String rule,
    String name,
    List<String> replaces,
    boolean unlimited,
    boolean blocked,
    boolean shadow,
    List<Shown> windows) {

  /**
   * A window as Envoy's {@code current_limit} shows it.
   *
   * @param limit the Sluice limit ({@code null} for a blocked leaf)
   * @param unit the proto's unit number ({@code RateLimitResponse.RateLimit.Unit}), 0 (UNKNOWN) for
   *     an interval no unit names, such as {@code 30s}
   * @param requestsPerUnit the permits
   */
  record Shown(Limit limit, int unit, long requestsPerUnit) {}
}
