package dev.sluice.micrometer;

/**
 * The names and tag keys of every meter Sluice records, written once for every place that records
 * them: the gateway's {@code /metrics}, an embedded engine's {@link DecisionMetrics}, a
 * sluice-client's {@link ClientMetrics}. Micrometer's dotted names; a Prometheus registry shows
 * {@code sluice.decisions} as {@code sluice_decisions_total}, {@code sluice.decision} as {@code
 * sluice_decision_seconds}.
 */
public final class MeterNames {
  private MeterNames() {}

  /** Counter of decisions, tagged {@link #RULE} and {@link #OUTCOME}. */
  public static final String DECISIONS = "sluice.decisions";

  /** Timer of how long deciding took, store round trip included. */
  public static final String DECISION_TIME = "sluice.decision";

  /**
   * Counter of requests a shadow rule would have denied, were it enforced; tagged {@link #RULE}.
   */
  public static final String SHADOW_DENIALS = "sluice.shadow.denials";

  /** Counter of decisions the store could not make, tagged {@link #MODE}. */
  public static final String STORE_ERRORS = "sluice.store.errors";

  /** Timer of a sluice-client's waits before sending, tagged {@link #HOST} and {@link #CAUSE}. */
  public static final String CLIENT_WAITS = "sluice.client.waits";

  /** Counter of requests a sluice-client sent again, tagged {@link #HOST} and {@link #STATUS}. */
  public static final String CLIENT_RETRIES = "sluice.client.retries";

  /** Counter of requests a sluice-client abandoned, tagged {@link #HOST} and {@link #REASON}. */
  public static final String CLIENT_GIVEUPS = "sluice.client.giveups";

  /**
   * Tag: the rule's name (never its tier: one series per rule), or {@link #NO_RULE} when no rule
   * applied.
   */
  public static final String RULE = "rule";

  /**
   * Tag: the decision's outcome, lower case: {@code allowed}, {@code denied}, {@code unlimited},
   * {@code invalid}, {@code unavailable}, {@code allowed_uncounted}, {@code exempt}.
   */
  public static final String OUTCOME = "outcome";

  /**
   * Tag: the policy's {@code on-store-failure} mode ({@code open}, {@code closed}, {@code local}),
   * or {@link #TABLE_FULL}.
   */
  public static final String MODE = "mode";

  /** Tag: the host a sluice-client called ({@code unknown} without one). */
  public static final String HOST = "host";

  /** Tag: why a sluice-client waited ({@code PACING}, {@code RETRY_AFTER}, ...). */
  public static final String CAUSE = "cause";

  /** Tag: the status that made a sluice-client retry, {@code -1} for a transport failure. */
  public static final String STATUS = "status";

  /** Tag: why a sluice-client gave up. */
  public static final String REASON = "reason";

  /** The {@link #RULE} of a decision no rule applied to. */
  public static final String NO_RULE = "none";

  /**
   * The {@link #MODE} of a request refused because the in-memory table could not count it (no store
   * failure: the table is full and its policy refuses newcomers).
   */
  public static final String TABLE_FULL = "table-full";
}
