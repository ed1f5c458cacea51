package dev.sluice.core.policy;

/**
 * How a {@link Limit} counts: the three algorithms Sluice implements. Each has its meter (its
 * arithmetic, its wording and what a remote store needs of it) in Sluice's internals; a new
 * constant does not compile until it has one.
 */
public enum Algorithm {
  /**
   * A counter per calendar-aligned window ({@code floor(now / window)}); resets at each boundary.
   * Cheapest and easiest to explain; admits up to twice the limit across a boundary.
   */
  FIXED_WINDOW("fixed"),
  /**
   * The two-window weighted counter: the previous window's count, weighted by how much of it still
   * overlaps the trailing window, plus the current count. Smooths the boundary burst.
   */
  SLIDING_WINDOW("sliding"),
  /** A token bucket kept as GCRA (one timestamp of state): a steady rate with a burst allowance. */
  TOKEN_BUCKET("token-bucket");

  private final String label;

  Algorithm(String label) {
    this.label = label;
  }

  /** The name used in policy files ({@code fixed}, {@code sliding}, {@code token-bucket}). */
  public String label() {
    return label;
  }

  /**
   * Whether a limit counted this way has a burst of its own, apart from its permits: its capacity
   * (what one request may take at most), what a tier scales besides the permits, and what {@code
   * burst:} in a policy file sets. Only the token bucket does; for the others the burst is the
   * permits.
   */
  public boolean hasBurst() {
    return switch (this) {
      case FIXED_WINDOW, SLIDING_WINDOW -> false;
      case TOKEN_BUCKET -> true;
    };
  }

  /** The algorithm whose {@link #label()} is {@code label}, or {@code null}. */
  public static Algorithm fromLabel(String label) {
    for (Algorithm a : values()) {
      if (a.label.equals(label)) {
        return a;
      }
    }
    return null;
  }
}
