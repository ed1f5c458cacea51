package dev.sluice.core.http;

/**
 * A request that cannot be put in canonical form, so cannot be counted: a path with an encoded
 * slash, a method no rule could name, a JSON body with a key given twice. A front door answers it
 * with 400 and {@link #code()}; the engine turns it into an invalid {@code Decision}. Thrown by
 * {@link CanonicalPath}, {@link HttpMethods} callers and {@link JsonBody}, and by any {@code
 * RequestView} read that finds the request unreadable. Carries no stack trace: it is an answer, not
 * a fault.
 */
public final class InvalidRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The path cannot be matched in one canonical form. */
  public static final String BAD_PATH = "BAD_PATH";

  /** The method is not one of the standard HTTP methods. */
  public static final String BAD_METHOD = "BAD_METHOD";

  /** The query string cannot be decoded. */
  public static final String BAD_QUERY = "BAD_QUERY";

  /** The body cannot be read one way only (a JSON key given twice). */
  public static final String BAD_BODY = "BAD_BODY";

  private final String code;

  /**
   * @param code what is wrong, in upper case ({@link #BAD_PATH}, ...)
   * @param message what is wrong and what would be right, for the client
   */
  public InvalidRequestException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /**
   * What is wrong: {@link #BAD_PATH}, {@link #BAD_METHOD}, {@link #BAD_QUERY}, {@link #BAD_BODY}.
   */
  public String code() {
    return code;
  }
}
