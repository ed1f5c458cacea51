package dev.sluice.core.policy;

/**
 * What the engine does when its store cannot answer (a Redis store that is down, slower than its
 * timeout, or failing over). The in-memory store never fails this way.
 */
public enum StoreFailure {
  /**
   * Let the request pass uncounted ({@code Decision.Outcome.ALLOWED_UNCOUNTED}); metrics and logs
   * say so. The default: an outage of the limiter should not become an outage of the API.
   */
  OPEN("open"),
  /** Refuse the request with 503 and {@code Retry-After: 1} ({@code Outcome.UNAVAILABLE}). */
  CLOSED("closed"),
  /**
   * Count in an in-memory store of this instance, with the same policy, until the store answers
   * again: limits then hold per instance instead of across all of them.
   */
  LOCAL("local");

  private final String label;

  StoreFailure(String label) {
    this.label = label;
  }

  /** The name used in policy files. */
  public String label() {
    return label;
  }

  /** The mode named {@code label}, or {@code null}. */
  public static StoreFailure fromLabel(String label) {
    for (StoreFailure m : values()) {
      if (m.label.equals(label)) {
        return m;
      }
    }
    return null;
  }
}
