package dev.sluice.core.policy;

/** The JSON body of a 429, as the IPTO and Convotic rate-limit pages print it. */
public enum DenialFormat {
  /** {@code {"detail": "Rate limit exceeded", "retry_after": 60}} (the IPTO document). */
  DETAIL("detail"),
  /**
   * {@code {"error": {"code": "RATE_LIMITED", "message": "Rate limit exceeded. Retry after 12
   * seconds."}}} (the Convotic document).
   */
  ERROR_CODE("error-code"),
  /** RFC 9457 {@code application/problem+json}, type {@code ...#quota-exceeded}. */
  PROBLEM("problem");

  private final String label;

  DenialFormat(String label) {
    this.label = label;
  }

  /** The name used in policy files. */
  public String label() {
    return label;
  }

  /** The format named {@code label}, or {@code null}. */
  public static DenialFormat fromLabel(String label) {
    for (DenialFormat d : values()) {
      if (d.label.equals(label)) {
        return d;
      }
    }
    return null;
  }
}
