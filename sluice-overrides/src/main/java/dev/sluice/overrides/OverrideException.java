package dev.sluice.overrides;

/**
 * An override that cannot be taken as given, naming the field at fault ({@code tier}, {@code
 * limits.search[1]}, {@code expires}, {@code ttl}, {@code identity}), so a front door answers 400
 * with it: {@code {"error": {"code": "BAD_OVERRIDE", "field": ..., "message": ...}}}.
 */
public final class OverrideException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  /** {@code message} about {@code field} (empty for the whole body). */
  public OverrideException(String field, String message) {
    super(message);
    this.field = field;
  }

  /**
   * The field at fault, as a path into the body ({@code limits.search[0]}); empty for all of it.
   */
  public String field() {
    return field;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this; // an answer to a client, not a bug: no stack to record
  }
}
