package dev.sluice.core.policy;

/**
 * Whether request paths are matched against routes with their letters' case as written (the
 * policy's {@code paths:} field).
 */
public enum PathCase {
  /**
   * {@code /Auth/Magic-Link} is not {@code /auth/magic-link}: the default, right for upstreams that
   * route case-sensitively (most). If the upstream matches paths ignoring case (Spring with {@code
   * setCaseSensitive(false)}, ASP.NET, IIS, many Windows-hosted APIs), a client can change the case
   * of a limited path and pass uncounted: use {@link #INSENSITIVE}.
   */
  SENSITIVE("case-sensitive"),
  /**
   * Paths (and route literals) are matched with ASCII letters lower-cased, so every spelling of a
   * path counts as one; {@code path:} key values are lower-cased too.
   */
  INSENSITIVE("case-insensitive");

  private final String label;

  PathCase(String label) {
    this.label = label;
  }

  /** The name used in policy files. */
  public String label() {
    return label;
  }

  /** The value named {@code label}, or {@code null}. */
  public static PathCase fromLabel(String label) {
    for (PathCase c : values()) {
      if (c.label.equals(label)) {
        return c;
      }
    }
    return null;
  }
}
