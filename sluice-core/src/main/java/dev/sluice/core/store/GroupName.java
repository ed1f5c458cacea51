package dev.sluice.core.store;

import java.util.Objects;

/**
 * Which buckets a {@link BucketGroup} holds: those of a rule, under the rule's own limits ({@code
 * variant} null) or under other limits some identities have (a tier's, {@code pro}; or limits of an
 * identity's own, {@code custom-} and a hash of them).
 *
 * <p>A store namespaces its keys by {@link #key()}: {@code search}, or {@code search@pro} for a
 * variant. The text is part of the store's layout (a Redis key hashes it), so it is kept exactly as
 * it is across releases.
 *
 * @param rule the rule's name (never contains {@code @})
 * @param variant the tier or {@code custom-...} whose limits the buckets hold, or {@code null} for
 *     the rule's own
 */
public record GroupName(String rule, String variant) {

  public GroupName {
    Objects.requireNonNull(rule, "rule");
    if (rule.isEmpty() || rule.indexOf('@') >= 0) {
      throw new IllegalArgumentException(
          "a rule's name must be non-empty and without '@', got '" + rule + "'");
    }
    if (variant != null && (variant.isEmpty() || variant.indexOf('@') >= 0)) {
      throw new IllegalArgumentException(
          "a variant's name must be non-empty and without '@', got '" + variant + "'");
    }
  }

  /** The buckets of {@code rule} under its own limits. */
  public static GroupName of(String rule) {
    return new GroupName(rule, null);
  }

  /** The text a store namespaces its keys by: {@code rule}, or {@code rule@variant}. */
  public String key() {
    return variant == null ? rule : rule + "@" + variant;
  }

  /** {@link #key()}. */
  @Override
  public String toString() {
    return key();
  }
}
