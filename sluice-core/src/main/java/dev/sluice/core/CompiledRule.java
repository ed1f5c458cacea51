package dev.sluice.core;

import dev.sluice.core.policy.Cost;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.Tier;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.GroupName;
import dev.sluice.core.store.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A rule as the engine uses it per request: its bucket group in the store, the tweak that keeps its
 * bucket keys apart from other rules', its key sources as indexes into the engine's list of
 * distinct sources, its methods as a bit mask, and the groups of identities with other limits (a
 * tier's, an override's).
 */
final class CompiledRule {
  final Rule rule;
  final Store store;
  final BucketGroup group;
  final long tweak;
  final int[] chain;
  final boolean readsBody;
  final boolean shadow;
  final int methods; // MethodBits; MethodBits.ANY for a global rule or a route of any method

  /** The groups of identities with other limits (a tier's, an override's), by those limits. */
  private final ConcurrentHashMap<List<Limit>, BucketGroup> variants = new ConcurrentHashMap<>();

  /**
   * @param headAsGet whether a route naming GET covers HEAD too, see {@link MethodBits#of(
   *     dev.sluice.core.policy.Route, boolean)}
   */
  CompiledRule(Rule rule, Store store, long tweak, int[] chain, boolean headAsGet) {
    this.rule = rule;
    this.store = store;
    this.group = store.group(GroupName.of(rule.name()), rule.limits());
    this.methods = MethodBits.of(rule.route(), headAsGet);
    this.shadow = rule.shadow();
    this.tweak = tweak;
    this.chain = chain;
    List<KeySource> sources =
        rule.key() instanceof KeySource.FirstOf f ? f.sources() : List.of(rule.key());
    this.readsBody =
        sources.stream()
                .map(k -> k instanceof KeySource.Normalized n ? n.source() : k)
                .anyMatch(k -> k instanceof KeySource.BodyField)
            || (rule.cost() instanceof Cost.FromRequest fr && fr.from() == Cost.From.BODY);
  }

  /** Whether the rule covers a request whose method has bit {@code methodBit}. */
  boolean covers(int methodBit) {
    return (methods & methodBit) != 0;
  }

  /**
   * The group of an identity with override {@code o}: the rule's own when the override leaves this
   * rule alone, else a group of the rule's buckets under the other limits. Such a group's variant
   * is the tier, or {@code custom-HASH} for limits of the identity's own, so its buckets never mix
   * with the defaults' (and a store keeps them apart).
   */
  BucketGroup groupFor(KeyOverride o, Map<String, Tier> tiers) {
    List<Limit> limits = o.limitsFor(rule, tiers);
    if (limits == null || limits.equals(rule.limits())) {
      return group;
    }
    BucketGroup g = variants.get(limits);
    if (g == null) {
      String variant =
          o.limits().containsKey(rule.name()) || o.tier() == null
              ? customVariant(limits)
              : o.tier();
      g =
          variants.computeIfAbsent(
              limits, ls -> store.group(new GroupName(rule.name(), variant), ls));
    }
    return g;
  }

  /**
   * The variant name of an identity's own {@code limits}: {@code custom-} and 16 hex digits of the
   * SHA-256 of the limits as text (each limit's name, {@link Limit#describe() description} and
   * window in microseconds, one per line). Text and hash are the same in every JVM and every
   * release that keeps this format, so instances sharing a store name (and count) the group alike,
   * and a restart keeps its counts. (It was once the limits' {@code hashCode()}, which mixes in the
   * identity hash of an enum: different in every JVM, so each instance counted such an identity in
   * a group of its own.)
   */
  static String customVariant(List<Limit> limits) {
    StringBuilder text = new StringBuilder();
    for (Limit l : limits) {
      text.append(l.name())
          .append(' ')
          .append(l.describe())
          .append(' ')
          .append(l.window().micros())
          .append('\n');
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(text.toString().getBytes(StandardCharsets.UTF_8));
      return "custom-" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }
}
