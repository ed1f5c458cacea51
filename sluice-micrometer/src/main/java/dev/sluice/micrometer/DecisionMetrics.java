package dev.sluice.micrometer;

import dev.sluice.core.Decision;
import dev.sluice.core.DecisionListener;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A {@link DecisionListener} that records an engine's decisions in a Micrometer registry, as the
 * gateway's {@code /metrics} shows them (Prometheus names in brackets):
 *
 * <ul>
 *   <li>{@code sluice.decisions} ({@code sluice_decisions_total}; tags {@code rule}, {@code
 *       outcome}): every decision, by the rule whose limit bound it ({@code none} when no rule
 *       applied; the rule's name, never its tier) and outcome in lower case ({@code allowed},
 *       {@code denied}, {@code unlimited}, {@code invalid}, {@code unavailable}, {@code
 *       allowed_uncounted}, {@code exempt});
 *   <li>{@code sluice.decision} ({@code sluice_decision_seconds}): how long deciding took, store
 *       round trip included, with the 0.5, 0.99 and 0.999 quantiles over the last one to two
 *       minutes;
 *   <li>{@code sluice.shadow.denials} ({@code sluice_shadow_denials_total}; tag {@code rule}):
 *       requests a shadow rule would have denied, were it enforced (they were not), once per rule;
 *   <li>{@code sluice.store.errors} ({@code sluice_store_errors_total}; tag {@code mode}):
 *       decisions the store could not make, by the policy's {@code on-store-failure} mode ({@code
 *       open}, {@code closed}, {@code local}), or {@code table-full} for a request refused because
 *       the in-memory table could not count it.
 * </ul>
 *
 * <pre>{@code
 * Sluice sluice = Sluice.builder(policy).listener(new DecisionMetrics(registry)).build();
 * }</pre>
 *
 * One instance serves every engine that records into {@code registry} (an engine and the ones a
 * policy reload replaces it with): the counts go on. Series appear when first counted, or at zero
 * beforehand for every rule of a policy passed to {@link #register(Policy)}. Each counter is looked
 * up once per rule and outcome, then kept: recording a decision allocates nothing. The timer's
 * quantiles are computed in this process; a {@code MeterFilter} added to the registry before this
 * is made can replace them (with histogram buckets, say). Dry runs charge nothing and are not heard
 * (see {@link DecisionListener}). The names are {@link MeterNames}'.
 */
public final class DecisionMetrics implements DecisionListener {
  private static final Decision.Outcome[] OUTCOMES = Decision.Outcome.values();

  private final MeterRegistry registry;
  private final Timer decisionTime;
  private final ConcurrentHashMap<String, Counter[]> decisions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> shadowDenials = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> storeErrors = new ConcurrentHashMap<>();

  /** Records into {@code registry}; registers the decision timer now. */
  public DecisionMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.decisionTime =
        Timer.builder(MeterNames.DECISION_TIME)
            .description("Time to decide a request, store round trip included")
            .publishPercentiles(0.5, 0.99, 0.999)
            // Over the last one to two minutes: two histograms recorded into per decision, rotating
            // each minute, where the default three cost a third more on every request.
            .distributionStatisticBufferLength(2)
            .distributionStatisticExpiry(Duration.ofMinutes(2))
            .register(registry);
  }

  /**
   * Registers at zero every series {@code policy} can produce: the decisions of each rule (and of
   * {@code none}) by every outcome, the shadow denials of each shadow rule, and the store errors of
   * every failure mode. A scrape then shows them before their first event, so a rate or an alert
   * over them is defined from the start. Call it again with each policy a reload puts in force; the
   * series of rules since removed stay.
   */
  public void register(Policy policy) {
    decisions.computeIfAbsent(MeterNames.NO_RULE, this::decisionCounters);
    for (Rule r : policy.rules()) {
      if (r.shadow()) {
        shadowCounter(r.name());
      } else {
        decisions.computeIfAbsent(r.name(), this::decisionCounters);
      }
    }
    for (StoreFailure mode : StoreFailure.values()) {
      storeCounter(mode.label());
    }
    storeCounter(MeterNames.TABLE_FULL);
  }

  /** Counts {@code decision} and times it; called by the engine that made it. */
  @Override
  public void onDecision(Sluice engine, Decision decision, long elapsedNanos) {
    LimitStatus binding = decision.binding();
    String rule = binding != null ? binding.rule() : MeterNames.NO_RULE;
    Counter[] byOutcome = decisions.get(rule);
    if (byOutcome == null) { // computeIfAbsent alone would make a method reference every time
      byOutcome = decisions.computeIfAbsent(rule, this::decisionCounters);
    }
    byOutcome[decision.outcome().ordinal()].increment();
    decisionTime.record(elapsedNanos, TimeUnit.NANOSECONDS);
    if (decision.shadowDenied()) {
      shadowDenied(decision);
    }
    if (decision.storeFailure() != null) {
      storeError(engine.policy().onStoreFailure().label());
    } else if (decision.outcome() == Decision.Outcome.UNAVAILABLE) {
      storeError(MeterNames.TABLE_FULL); // the in-memory table could not count it
    }
  }

  /** Counts once each shadow rule that would have denied {@code d}. */
  private void shadowDenied(Decision d) {
    String previous = null;
    for (LimitStatus s : d.shadowLimits()) {
      if (s.passed()) {
        continue;
      }
      String rule = s.rule();
      if (rule.equals(previous)) {
        continue; // a rule's limits are consecutive: one count per rule
      }
      previous = rule;
      Counter c = shadowDenials.get(rule);
      (c != null ? c : shadowCounter(rule)).increment();
    }
  }

  private Counter shadowCounter(String rule) {
    return shadowDenials.computeIfAbsent(
        rule,
        r ->
            Counter.builder(MeterNames.SHADOW_DENIALS)
                .description("Requests a shadow rule would have denied, were it enforced")
                .tag(MeterNames.RULE, r)
                .register(registry));
  }

  private void storeError(String mode) {
    Counter c = storeErrors.get(mode);
    (c != null ? c : storeCounter(mode)).increment();
  }

  private Counter storeCounter(String mode) {
    return storeErrors.computeIfAbsent(
        mode,
        m ->
            Counter.builder(MeterNames.STORE_ERRORS)
                .description("Decisions the store could not make, by the policy's failure mode")
                .tag(MeterNames.MODE, m)
                .register(registry));
  }

  private Counter[] decisionCounters(String rule) {
    Counter[] c = new Counter[OUTCOMES.length];
    for (Decision.Outcome o : OUTCOMES) {
      c[o.ordinal()] =
          Counter.builder(MeterNames.DECISIONS)
              .description("Rate-limit decisions, by binding rule and outcome")
              .tag(MeterNames.RULE, rule)
              .tag(MeterNames.OUTCOME, o.name().toLowerCase(Locale.ROOT))
              .register(registry);
    }
    return c;
  }
}
