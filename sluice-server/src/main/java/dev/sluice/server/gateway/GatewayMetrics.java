package dev.sluice.server.gateway;

import dev.sluice.core.DecisionListener;
import dev.sluice.micrometer.DecisionMetrics;
import dev.sluice.server.ops.Operations;
import dev.sluice.server.ops.TableStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the gateway counts, exposed at {@code GET /metrics} in Prometheus text.
 *
 * <p>The decisions' meters are sluice-micrometer's {@link DecisionMetrics}, a listener on every
 * engine the gateway builds (see {@link Engines#listen}), recording into this registry; an embedded
 * engine with the same listener records the same series:
 *
 * <ul>
 *   <li>{@code sluice_decisions_total{rule,outcome}}: decisions by the rule whose limit bound them
 *       ({@code none} when no rule applied) and outcome ({@code allowed}, {@code denied}, {@code
 *       unlimited}, {@code invalid}, {@code unavailable}, {@code allowed_uncounted});
 *   <li>{@code sluice_decision_seconds}: how long deciding took, store round trip included;
 *   <li>{@code sluice_store_errors_total{mode}}: decisions the store could not make, by the
 *       policy's failure mode ({@code open}, {@code closed}, {@code local}), or {@code table-full}
 *       for a request refused because the in-memory table could not count it;
 *   <li>{@code sluice_shadow_denials_total{rule}}: requests a shadow rule would have denied, were
 *       it enforced (they were not).
 * </ul>
 *
 * The gateway's own:
 *
 * <ul>
 *   <li>{@code sluice_upstream_errors_total{kind}}: {@code connect}, {@code timeout}, {@code
 *       reset};
 *   <li>{@code sluice_policy_reloads_total{result}}: {@code ok} or {@code refused};
 *   <li>{@code sluice_tls_handshake_failures_total{reason}}: client TLS handshakes that failed:
 *       {@code not_tls} (e.g. plain HTTP to the TLS port), {@code timeout}, {@code closed}, {@code
 *       refused} (no protocol or cipher in common, a bad record);
 *   <li>{@code sluice_http2_errors_total{code}}: HTTP/2 client connections ended with GOAWAY for an
 *       error, by its code in lower case ({@code rapid_reset} for too many streams reset, {@code
 *       protocol_error}, ...);
 *   <li>{@code sluice_webhook_deliveries_total{result}}: {@code delivered}, {@code failed} (after
 *       every retry), {@code dropped} (too many pending);
 *   <li>{@code sluice_ops_dropped_decisions_total}: decisions left out of usage reports and
 *       webhooks because the reporting queue was full;
 *   <li>{@code sluice_overrides}: per-identity overrides stored;
 *   <li>with the in-memory store: {@code sluice_table_buckets}, {@code sluice_table_capacity} and
 *       {@code sluice_table_identity_capacity} (gauges), and {@code
 *       sluice_table_overflow_total{rule,action}}: new identities not given a bucket of their own,
 *       by what became of them ({@code ceiling}, {@code reserve}, {@code shared}, {@code refused},
 *       {@code untracked}; see {@code InMemoryStore.Overflow});
 *   <li>{@code sluice_connections}: client connections the proxy holds;
 *   <li>{@code sluice_connections_refused_total{reason}}: connections answered 503 at once for a
 *       connection limit, {@code total} or {@code per_client};
 *   <li>{@code sluice_accept_errors_total}: failures to accept a connection (no descriptor left);
 *   <li>{@code sluice_client_timeouts_total{phase}}: connections closed for a client too slow with
 *       its {@code header} or its {@code body};
 *   <li>{@code sluice_broken_bodies_total{outcome}}: request bodies that could not be read (a bad
 *       chunk size), {@code answered} 400 or, the answer under way, {@code closed};
 *   <li>JVM memory, GC, threads and CPU.
 * </ul>
 *
 * Counters are looked up once, then kept: the hot path allocates nothing here.
 */
public final class GatewayMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<String, Counter> upstreamErrors = new ConcurrentHashMap<>();
  private final DecisionMetrics decisions;
  private volatile TableStats table;
  private volatile Map<String, Map<String, Long>> overflows = Map.of();
  private final Set<String> overflowSeries = ConcurrentHashMap.newKeySet();
  private final Counter refusedTotal;
  private final Counter refusedPerClient;
  private final Counter acceptErrors;
  private final Counter headerTimeouts;
  private final Counter bodyTimeouts;
  private final Counter brokenAnswered;
  private final Counter brokenClosed;

  public GatewayMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    decisions = new DecisionMetrics(registry);
    // Made now, not when first counted: an error path should find everything it needs loaded.
    refusedTotal = refused("total");
    refusedPerClient = refused("per_client");
    acceptErrors =
        Counter.builder("sluice.accept.errors")
            .description("Failures of the proxy to accept a connection (no descriptor left)")
            .register(registry);
    headerTimeouts = clientTimeouts("header");
    bodyTimeouts = clientTimeouts("body");
    brokenAnswered = brokenBodies("answered");
    brokenClosed = brokenBodies("closed");
  }

  private Counter refused(String reason) {
    return Counter.builder("sluice.connections.refused")
        .description("Connections answered 503 at once for a connection limit")
        .tag("reason", reason)
        .register(registry);
  }

  private Counter clientTimeouts(String phase) {
    return Counter.builder("sluice.client.timeouts")
        .description("Connections closed for a client too slow with its headers or its body")
        .tag("phase", phase)
        .register(registry);
  }

  private Counter brokenBodies(String outcome) {
    return Counter.builder("sluice.broken.bodies")
        .description("Request bodies that could not be read, by what the client got")
        .tag("outcome", outcome)
        .register(registry);
  }

  /** Exposes how many client connections the proxy holds. */
  void bindConnections(java.util.function.IntSupplier open) {
    Gauge.builder("sluice.connections", open, s -> s.getAsInt())
        .description("Client connections the proxy holds")
        .strongReference(true) // a method reference held by nothing else: weakly held, it reads NaN
        .register(registry);
  }

  /** A connection was refused for the {@code total} or {@code per_client} limit. */
  void connectionRefused(String reason) {
    ("total".equals(reason) ? refusedTotal : refusedPerClient).increment();
  }

  void acceptFailed() {
    acceptErrors.increment();
  }

  /** A client was too slow with its {@code header} or {@code body}. */
  void clientTimedOut(boolean header) {
    (header ? headerTimeouts : bodyTimeouts).increment();
  }

  /** A request body could not be read; {@code answered} when the client got a 400. */
  void brokenBody(boolean answered) {
    (answered ? brokenAnswered : brokenClosed).increment();
  }

  /** The listener that records every decision in this registry. */
  DecisionListener decisions() {
    return decisions;
  }

  /** Exposes what {@code ops} counts. */
  void bind(Operations ops) {
    for (String result : new String[] {"delivered", "failed", "dropped"}) {
      FunctionCounter.builder(
              "sluice.webhook.deliveries",
              ops,
              o ->
                  switch (result) {
                    case "delivered" -> o.webhooksDelivered();
                    case "failed" -> o.webhooksFailed();
                    default -> o.webhooksDropped();
                  })
          .description("Webhook deliveries, by how they ended")
          .tag("result", result)
          .register(registry);
    }
    FunctionCounter.builder("sluice.ops.dropped.decisions", ops, Operations::droppedDecisions)
        .description("Decisions left out of usage and webhooks: the reporting queue was full")
        .register(registry);
    Gauge.builder("sluice.overrides", ops, Operations::overrides)
        .description("Per-identity overrides stored")
        .register(registry);
  }

  /** Exposes the in-memory table's figures ({@code table} null: the store keeps none here). */
  void bind(TableStats t) {
    if (t == null) {
      return;
    }
    table = t;
    Gauge.builder("sluice.table.buckets", t, TableStats::buckets)
        .description("Live buckets in the in-memory table")
        .register(registry);
    Gauge.builder("sluice.table.capacity", t, TableStats::capacity)
        .description("The cap on live buckets (--max-buckets)")
        .register(registry);
    Gauge.builder("sluice.table.identity.capacity", t, TableStats::identityCapacity)
        .description("Live buckets up to which new identities get a bucket of their own")
        .register(registry);
  }

  /**
   * Registers a counter for each rule and action the table has reported, reading the snapshot taken
   * for this scrape (so one scrape reads the table once).
   */
  private void syncOverflows() {
    TableStats t = table;
    if (t == null) {
      return;
    }
    Map<String, Map<String, Long>> snapshot = t.overflows();
    overflows = snapshot;
    snapshot.forEach(
        (rule, byAction) ->
            byAction
                .keySet()
                .forEach(
                    action -> {
                      if (overflowSeries.add(rule + "\n" + action)) {
                        FunctionCounter.builder(
                                "sluice.table.overflow",
                                this,
                                m ->
                                    m.overflows
                                        .getOrDefault(rule, Map.of())
                                        .getOrDefault(action, 0L))
                            .description(
                                "New identities not given a bucket of their own, by rule and what"
                                    + " became of them")
                            .tag("rule", rule)
                            .tag("action", action)
                            .register(registry);
                      }
                    }));
  }

  void upstreamFailed(String kind) {
    upstreamErrors
        .computeIfAbsent(
            kind,
            k ->
                Counter.builder("sluice.upstream.errors")
                    .description("Requests the upstream did not answer")
                    .tag("kind", k)
                    .register(registry))
        .increment();
  }

  /** A client's TLS handshake failed: {@code reason} is one of a few fixed labels. */
  void tlsHandshakeFailed(String reason) {
    tlsFailures
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("sluice.tls.handshake.failures")
                    .description("TLS handshakes with clients that failed, by reason")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  /** An HTTP/2 connection ended on a connection error, {@code code} its HTTP/2 error code. */
  void http2Error(String code) {
    http2Errors
        .computeIfAbsent(
            code,
            c ->
                Counter.builder("sluice.http2.errors")
                    .description(
                        "HTTP/2 client connections closed with GOAWAY for an error, by code"
                            + " (rapid_reset: too many streams reset)")
                    .tag("code", c)
                    .register(registry))
        .increment();
  }

  private final ConcurrentHashMap<String, Counter> tlsFailures = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> http2Errors = new ConcurrentHashMap<>();

  void reloaded(boolean ok) {
    Counter.builder("sluice.policy.reloads")
        .description("Policy reloads, by result")
        .tag("result", ok ? "ok" : "refused")
        .register(registry)
        .increment();
  }

  /** The Prometheus text exposition. */
  String scrape() {
    syncOverflows();
    return registry.scrape();
  }
}
