package dev.sluice.server.gateway;

import dev.sluice.core.DecisionListener;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.micrometer.DecisionMetrics;
import dev.sluice.micrometer.MeterNames;
import dev.sluice.server.ops.Operations;
import dev.sluice.server.ops.TableStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 *       unlimited}, {@code invalid}, {@code unavailable}, {@code allowed_uncounted}, {@code
 *       exempt});
 *   <li>{@code sluice_decision_seconds}: how long deciding took, store round trip included: a
 *       histogram with {@link #DECISION_BUCKETS} (micro-seconds to a second), made so by a filter
 *       on this registry, where the library's default is a summary;
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
 *       every retry, or refused by the receiver), {@code dropped} (pushed out of a full queue);
 *   <li>{@code sluice_webhook_retries_total}, {@code sluice_webhook_queue_depth} (events waiting)
 *       and {@code sluice_webhook_failed_kept} (failed events kept for a re-send);
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
 *   <li>{@code sluice_websocket_upgrades_total{result}}: WebSocket handshakes the rate limit let
 *       through, by what the upstream made of them: {@code upgraded} (spliced) or {@code refused}
 *       (its non-101 answer relayed); one it could not be reached for counts as an upstream error;
 *   <li>{@code sluice_requests_total{rule,method,status}} and the histogram {@code
 *       sluice_upstream_seconds}: see {@link RequestMetrics};
 *   <li>{@code sluice_access_log_dropped_total}: access-log lines dropped, the writer being behind;
 *   <li>the Prometheus client's process metrics ({@code process_start_time_seconds}, {@code
 *       process_open_fds}, {@code process_max_fds}, {@code process_resident_memory_bytes}, {@code
 *       process_virtual_memory_bytes}, {@code process_cpu_seconds_total}), read from {@code
 *       /proc/self} where there is one; JVM memory, GC, threads and CPU.
 * </ul>
 *
 * Every series a policy can produce is registered at zero when it comes into force ({@link
 * #bind(Engines)}, and again after each reload): a rate or an alert over a series is defined before
 * its first event. The docs list them all (docs/gateway.md), and {@code MetricsExpositionTest}
 * holds that list against a real server's first scrape. Counters are looked up once, then kept: the
 * hot path allocates nothing here.
 */
public final class GatewayMetrics {
  /**
   * Decision time buckets: the in-memory store decides in a few microseconds, Redis in a round trip
   * (a fraction of a millisecond nearby, milliseconds across zones), a struggling store in up to
   * its timeout; 2.5 us to 1 s, about 2.5x apart.
   */
  static final Duration[] DECISION_BUCKETS = {
    Duration.ofNanos(2_500),
    Duration.ofNanos(5_000),
    Duration.ofNanos(10_000),
    Duration.ofNanos(25_000),
    Duration.ofNanos(50_000),
    Duration.ofNanos(100_000),
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofNanos(2_500_000),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofSeconds(1)
  };

  private static final String[] UPSTREAM_ERROR_KINDS = {"connect", "timeout", "reset"};

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> upstreamErrors = new HashMap<>();
  private final Counter reloadsOk;
  private final Counter reloadsRefused;
  private final DecisionMetrics decisions;
  private final RequestMetrics requests;
  private volatile Engines engines;
  private volatile AccessLog accessLog;
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
  private final Counter webSocketsUpgraded;
  private final Counter webSocketsRefused;

  public GatewayMetrics() {
    registry.config().meterFilter(decisionHistogram());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    // The names every Prometheus client gives them (Micrometer's own are process_files_open_files,
    // ...), read from /proc/self/status and the OS MXBean.
    ProcessMetrics.builder().register(registry.getPrometheusRegistry());
    decisions = new DecisionMetrics(registry);
    requests = new RequestMetrics(registry);
    for (String kind : UPSTREAM_ERROR_KINDS) {
      upstreamErrors.put(
          kind,
          Counter.builder("sluice.upstream.errors")
              .description("Requests the upstream did not answer")
              .tag("kind", kind)
              .register(registry));
    }
    reloadsOk = reloads("ok");
    reloadsRefused = reloads("refused");
    FunctionCounter.builder(
            "sluice.access.log.dropped",
            this,
            m -> {
              AccessLog log = m.accessLog;
              return log == null ? 0 : log.dropped();
            })
        .description("Access-log lines dropped: the writer was behind and its queue full")
        .register(registry);
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
    webSocketsUpgraded = webSockets("upgraded");
    webSocketsRefused = webSockets("refused");
    // At zero from the start, as every documented series (an alert on a rate needs the series).
    for (String reason : new String[] {"not_tls", "refused", "timeout", "closed"}) {
      tlsCounter(reason);
    }
    for (String code : new String[] {"rapid_reset", "protocol_error"}) {
      http2Counter(code);
    }
  }

  private Counter webSockets(String result) {
    return Counter.builder("sluice.websocket.upgrades")
        .description("WebSocket handshakes forwarded, by whether the upstream switched protocols")
        .tag("result", result)
        .register(registry);
  }

  /** A WebSocket handshake was {@code upgraded} (spliced) or {@code refused} by the upstream. */
  void webSocket(String result) {
    ("upgraded".equals(result) ? webSocketsUpgraded : webSocketsRefused).increment();
  }

  /** Makes the decision timer a histogram with {@link #DECISION_BUCKETS}, without quantiles. */
  private static MeterFilter decisionHistogram() {
    double[] nanos = new double[DECISION_BUCKETS.length];
    for (int i = 0; i < nanos.length; i++) {
      nanos[i] = DECISION_BUCKETS[i].toNanos();
    }
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(
          Meter.Id id, DistributionStatisticConfig config) {
        if (!id.getName().equals(MeterNames.DECISION_TIME)) {
          return config;
        }
        return DistributionStatisticConfig.builder()
            .percentiles(new double[0])
            .serviceLevelObjectives(nanos)
            .build()
            .merge(config);
      }
    };
  }

  private Counter reloads(String result) {
    return Counter.builder("sluice.policy.reloads")
        .description("Policy reloads, by result")
        .tag("result", result)
        .register(registry);
  }

  /**
   * Registers at zero the series of the policy in force in {@code engines}, and of each policy a
   * reload puts in force after it ({@link #reloaded}).
   */
  void bind(Engines engines) {
    this.engines = engines;
    prepare(engines.current().policy());
  }

  /** Counts the dropped lines of {@code log} (null: no access log). */
  void bind(AccessLog log) {
    this.accessLog = log;
  }

  /** The access log bound, or {@code null}. */
  AccessLog accessLog() {
    return accessLog;
  }

  private void prepare(Policy policy) {
    decisions.register(policy);
    List<String> enforced = new ArrayList<>();
    for (Rule r : policy.rules()) {
      if (!r.shadow()) {
        enforced.add(r.name());
      }
    }
    requests.prepare(enforced);
    if (table != null) {
      for (Rule r : policy.rules()) {
        for (InMemoryStore.Overflow o : InMemoryStore.Overflow.values()) {
          overflowSeries(r.name(), o.label());
        }
      }
    }
  }

  /**
   * A request the proxy answered with {@code status}.
   *
   * @param rule the rule that bound its decision, {@code none} if none did or it was not decided
   * @param method its method, canonical, or {@code null} if it had none that could be read
   * @param upstreamNanos the upstream's time to its answer's head, negative if not forwarded
   */
  void requestDone(String rule, String method, int status, long upstreamNanos) {
    requests.record(rule, RequestMetrics.methodIndex(method), status, upstreamNanos);
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
    FunctionCounter.builder("sluice.webhook.retries", ops, Operations::webhooksRetried)
        .description("Webhook attempts that failed and were scheduled again")
        .register(registry);
    Gauge.builder("sluice.webhook.queue.depth", ops, Operations::webhookQueueDepth)
        .description("Webhook events waiting for delivery")
        .register(registry);
    Gauge.builder("sluice.webhook.failed.kept", ops, Operations::webhooksFailedKept)
        .description("Webhook events failed for good, kept for a re-send")
        .register(registry);
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
        (rule, byAction) -> byAction.keySet().forEach(action -> overflowSeries(rule, action)));
  }

  private void overflowSeries(String rule, String action) {
    if (overflowSeries.add(rule + "\n" + action)) {
      FunctionCounter.builder(
              "sluice.table.overflow",
              this,
              m -> m.overflows.getOrDefault(rule, Map.of()).getOrDefault(action, 0L))
          .description(
              "New identities not given a bucket of their own, by rule and what became of them")
          .tag("rule", rule)
          .tag("action", action)
          .register(registry);
    }
  }

  /** The upstream did not answer: {@code connect}, {@code timeout} or {@code reset}. */
  void upstreamFailed(String kind) {
    upstreamErrors.get(kind).increment();
  }

  /** A client's TLS handshake failed: {@code reason} is one of a few fixed labels. */
  void tlsHandshakeFailed(String reason) {
    tlsCounter(reason).increment();
  }

  private Counter tlsCounter(String reason) {
    return tlsFailures.computeIfAbsent(
        reason,
        r ->
            Counter.builder("sluice.tls.handshake.failures")
                .description("TLS handshakes with clients that failed, by reason")
                .tag("reason", r)
                .register(registry));
  }

  /** An HTTP/2 connection ended on a connection error, {@code code} its HTTP/2 error code. */
  void http2Error(String code) {
    http2Counter(code).increment();
  }

  private Counter http2Counter(String code) {
    return http2Errors.computeIfAbsent(
        code,
        c ->
            Counter.builder("sluice.http2.errors")
                .description(
                    "HTTP/2 client connections closed with GOAWAY for an error, by code"
                        + " (rapid_reset: too many streams reset)")
                .tag("code", c)
                .register(registry));
  }

  private final ConcurrentHashMap<String, Counter> tlsFailures = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> http2Errors = new ConcurrentHashMap<>();

  /** A reload was tried; {@code ok}: its policy is now in force, and its series are registered. */
  void reloaded(boolean ok) {
    (ok ? reloadsOk : reloadsRefused).increment();
    Engines e = engines;
    if (ok && e != null) {
      prepare(e.current().policy());
    }
  }

  private io.micrometer.core.instrument.MultiGauge policyInfo;
  private java.util.function.Supplier<String> policyHash;

  /**
   * Exposes {@code sluice_policy_info{hash="..."} 1}: the hash of the policy file in force ({@code
   * PolicyHash}), one series at a time, so instances can be compared by the policy they run.
   */
  void bindPolicyHash(java.util.function.Supplier<String> hash) {
    policyHash = hash;
    policyInfo =
        io.micrometer.core.instrument.MultiGauge.builder("sluice.policy.info")
            .description("The policy file in force: its hash (12 hex digits of its SHA-256)")
            .register(registry);
  }

  private void syncPolicyInfo() {
    if (policyInfo != null) {
      String hash = policyHash.get();
      policyInfo.register(
          java.util.List.of(
              io.micrometer.core.instrument.MultiGauge.Row.of(
                  io.micrometer.core.instrument.Tags.of("hash", hash == null ? "none" : hash), 1)),
          true);
    }
  }

  /** The Prometheus text exposition. */
  String scrape() {
    syncOverflows();
    syncPolicyInfo();
    return registry.scrape();
  }
}
