package dev.sluice.core.policy;

/** Which rate-limit headers responses carry. {@code Retry-After} is on every denial regardless. */
public enum HeaderDialect {
  /**
   * {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and, if asked, {@code
   * X-RateLimit-Reset}.
   */
  X_RATELIMIT("x-ratelimit"),
  /** draft-ietf-httpapi-ratelimit-headers-11: {@code RateLimit-Policy} and {@code RateLimit}. */
  IETF("ietf"),
  /** Both of the above. */
  BOTH("both"),
  /** No rate-limit headers (denials still carry {@code Retry-After}). */
  NONE("none");

  private final String label;

  HeaderDialect(String label) {
    this.label = label;
  }

  /** The name used in policy files. */
  public String label() {
    return label;
  }

  /** The dialect named {@code label}, or {@code null}. */
  public static HeaderDialect fromLabel(String label) {
    for (HeaderDialect d : values()) {
      if (d.label.equals(label)) {
        return d;
      }
    }
    return null;
  }
}
