package dev.sluice.core.store;

import dev.sluice.core.policy.Limit;
import java.util.List;

/**
 * A store's handle on the buckets of one rule: every identity the rule counts has a bucket in the
 * group, holding the state of each of the rule's limits. Created once per rule by {@link
 * Store#group} when an engine binds a policy to the store, so the hot path never looks a rule up by
 * name.
 */
public interface BucketGroup {

  /** Whose buckets these are: the rule, and the variant of its limits (stores namespace by it). */
  GroupName name();

  /** The limits every bucket of the group holds, in order. */
  List<Limit> limits();
}
