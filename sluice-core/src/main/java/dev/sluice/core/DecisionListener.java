package dev.sluice.core;

/**
 * Hears of every decision an engine makes: how metrics, usage reports and webhooks learn of them,
 * whichever front door asked (HikariCP's {@code IMetricsTracker} pattern). Registered on {@link
 * Sluice.Builder#listener}.
 *
 * <p>A listener is called on the thread that completes the decision (the caller's for {@link
 * Sluice#decide} and for a store that does not block; the store's for {@link Sluice#decideAsync} on
 * a remote store), after the store has answered and before the caller sees the decision. So it must
 * be quick and must never block: count, or hand the decision to a queue. A listener that throws
 * does not change the decision; the engine logs the failure (at most every ten seconds) and goes
 * on. {@linkplain Sluice#dryRunAsync Dry runs} are not heard: they charge nothing.
 *
 * <p>New kinds of event come as new default methods, so a listener written today keeps compiling.
 */
public interface DecisionListener {

  /**
   * A request was decided.
   *
   * @param engine the engine that decided it (its {@link Sluice#policy()} is the policy in force)
   * @param decision the decision
   * @param elapsedNanos how long deciding took, store round trip included
   */
  default void onDecision(Sluice engine, Decision decision, long elapsedNanos) {}
}
