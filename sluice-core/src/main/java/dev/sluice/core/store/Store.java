package dev.sluice.core.store;

import dev.sluice.core.policy.Limit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where buckets live: the in-memory store (the embedded default) or a shared one such as Redis.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>All or nothing.</b> {@link #charge} evaluates every limit of every bucket in the charge
 *       at one instant and charges all of them only if all pass. A denied request consumes nothing.
 *   <li><b>Exact under concurrency.</b> However many threads (or instances) charge one bucket, no
 *       limit admits more than its algorithm allows.
 *   <li><b>Same math everywhere.</b> Every store evaluates limits with {@code
 *       dev.sluice.core.limit.Meter}'s arithmetic, so a decision does not depend on where the
 *       buckets live. A store that runs it elsewhere (the Redis store's Lua script) learns what it
 *       needs of each limit from {@link MeterSpec#of}.
 *   <li><b>Dry runs write nothing.</b> A {@linkplain Charge#dryRun dry run} gets the verdict the
 *       same charge would get at that instant, and leaves every bucket as it was.
 *   <li><b>Bounded.</b> A bucket whose state no longer matters is forgotten, and forgetting it
 *       never changes a decision.
 * </ul>
 *
 * The shared contract test suite {@code StoreContract} in sluice-core's test jar pins this down;
 * every store's tests extend it.
 */
public interface Store extends AutoCloseable {

  /**
   * Creates the handle for the buckets {@code name} names, which hold {@code limits}. Binding the
   * same name and limits again gives a group over the same buckets (a policy reload keeps counts).
   */
  BucketGroup group(GroupName name, List<Limit> limits);

  /** {@link #group(GroupName, List)} for a rule's own limits. */
  default BucketGroup group(String rule, List<Limit> limits) {
    return group(GroupName.of(rule), limits);
  }

  /**
   * Whether {@link #charge} may block its caller (on a network round trip, a lock held across I/O).
   * A front door on an event loop calls {@link #chargeAsync} (through {@code Sluice.decideAsync})
   * when it does, and {@link #charge} directly when it does not, which spares a future per request.
   * Default {@code true}: the safe answer for a store that does not say.
   */
  default boolean blocks() {
    return true;
  }

  /**
   * Charges every bucket of {@code charge}, atomically, at the store's current time; for a {@link
   * Charge#isDryRun() dry run}, answers as the charge would be answered and writes nothing.
   */
  Verdict charge(Charge charge);

  /**
   * Asynchronous {@link #charge}, for callers on an event loop. Stores that do I/O override it; the
   * default runs {@link #charge} in the caller's thread.
   */
  default CompletionStage<Verdict> chargeAsync(Charge charge) {
    return CompletableFuture.completedFuture(charge(charge));
  }

  /**
   * What this store shares among the instances on it besides buckets (their identity secret, maps
   * with change notification), if it is shared by several: empty, the default, for a store private
   * to its process. The gateway keeps the identity secret and its overrides there when present,
   * else in its state directory.
   */
  default Optional<SharedState> shared() {
    return Optional.empty();
  }

  /** Releases the store's resources. */
  @Override
  default void close() {}
}
