package dev.sluice.server.gateway;

import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What the gateway counts, exposed at {@code GET /metrics} in Prometheus text:
 * <ul>
 *   <li>{@code sluice_decisions_total{rule,outcome}}: decisions by the rule whose limit bound them
 *       ({@code none} when no rule applied) and outcome ({@code allowed}, {@code denied},
 *       {@code unlimited}, {@code invalid}, {@code unavailable}, {@code allowed_uncounted});
 *   <li>{@code sluice_decision_seconds}: how long deciding took, store round trip included;
 *   <li>{@code sluice_store_errors_total{mode}}: decisions the store could not make, by the
 *       policy's failure mode ({@code open}, {@code closed}, {@code local});
 *   <li>{@code sluice_upstream_errors_total{kind}}: {@code connect}, {@code timeout},
 *       {@code reset};
 *   <li>{@code sluice_policy_reloads_total{result}}: {@code ok} or {@code refused};
 *   <li>JVM memory, GC, threads and CPU.
 * </ul>
 * Counters are looked up once per rule and outcome, then kept: the hot path allocates nothing here.
 */
public final class GatewayMetrics {
  private static final Decision.Outcome[] OUTCOMES = Decision.Outcome.values();

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<String, Counter[]> decisions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> storeErrors = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> upstreamErrors = new ConcurrentHashMap<>();
  private final Timer decisionTime;

  public GatewayMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    decisionTime = Timer.builder("sluice.decision")
        .description("Time to decide a request, store round trip included")
        .publishPercentiles(0.5, 0.99, 0.999)
        .register(registry);
  }

  /** Counts {@code d}, decided in {@code nanos}. */
  void decided(Decision d, long nanos) {
    LimitStatus binding = d.binding();
    String rule = binding != null ? binding.rule() : "none";
    Counter[] byOutcome = decisions.computeIfAbsent(rule, this::decisionCounters);
    byOutcome[d.outcome().ordinal()].increment();
    decisionTime.record(nanos, TimeUnit.NANOSECONDS);
  }

  void storeFailed(String mode) {
    storeErrors.computeIfAbsent(mode, m -> Counter.builder("sluice.store.errors")
        .description("Decisions the store could not make, by the policy's failure mode")
        .tag("mode", m).register(registry)).increment();
  }

  void upstreamFailed(String kind) {
    upstreamErrors.computeIfAbsent(kind, k -> Counter.builder("sluice.upstream.errors")
        .description("Requests the upstream did not answer").tag("kind", k).register(registry))
        .increment();
  }

  void reloaded(boolean ok) {
    Counter.builder("sluice.policy.reloads").description("Policy reloads, by result")
        .tag("result", ok ? "ok" : "refused").register(registry).increment();
  }

  /** The Prometheus text exposition. */
  String scrape() {
    return registry.scrape();
  }

  private Counter[] decisionCounters(String rule) {
    Counter[] c = new Counter[OUTCOMES.length];
    for (Decision.Outcome o : OUTCOMES) {
      c[o.ordinal()] = Counter.builder("sluice.decisions")
          .description("Rate-limit decisions, by binding rule and outcome")
          .tag("rule", rule).tag("outcome", o.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    return c;
  }
}
