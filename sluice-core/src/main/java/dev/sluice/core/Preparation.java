package dev.sluice.core;

import dev.sluice.core.store.Charge;
import java.util.function.LongSupplier;

/**
 * What {@link CompiledPolicy#prepare} makes of one request: the charges for the store (enforced
 * rules and shadow rules apart), or a decision made without the store ({@link #early}: no rule
 * applies, an identity is missing, a cost is malformed, the path is invalid). Also the buffers that
 * work needs, so the synchronous path reuses one per thread and allocates nothing for them; the
 * asynchronous path takes a fresh one, as a remote store holds the charge until it answers.
 *
 * <p>It is its charges' {@link Charge#origin}: the request's client address, hashed only if the
 * store meets a new identity.
 */
final class Preparation implements LongSupplier {
  final long threadId = Thread.currentThread().getId();
  private final CompiledPolicy policy;
  final Charge charge;
  final Charge shadow;
  final long[] matched;
  final long[] leafHash;

  /**
   * Per key source: {@code generation} if resolved in this decision and present, {@code
   * -generation} if absent, anything else if not looked at yet. A generation per decision instead
   * of clearing the array each time.
   */
  final int[] leafState;

  int generation;
  RequestView request;

  /** The decision made without the store, or {@code null} when the charges are to be made. */
  Decision early;

  Preparation(CompiledPolicy policy) {
    this.policy = policy;
    charge = new Charge(policy.rules.length).origin(this);
    shadow = new Charge(policy.shadowRules).origin(this);
    matched = new long[policy.globalMask.length];
    leafHash = new long[policy.leaves.length];
    leafState = new int[policy.leaves.length];
  }

  /** Made ready for {@code request}, with empty charges. */
  Preparation reset(RequestView request, boolean dryRun) {
    this.request = request;
    this.early = null;
    charge.clear().dryRun(dryRun);
    shadow.clear().dryRun(dryRun);
    return this;
  }

  /** {@code d}, decided without the store. */
  Preparation decided(Decision d) {
    early = d;
    return this;
  }

  @Override
  public long getAsLong() {
    return policy.origin(request.clientAddress());
  }
}
