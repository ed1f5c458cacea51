package dev.sluice.server.ops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The bearer token that opens {@code /admin} and {@code /dashboard} on the admin port.
 *
 * <p>Compared in constant time: both sides are hashed with SHA-256 first, so neither the position
 * of the first differing character nor the token's length shows in how long a refusal takes.
 */
public final class AdminToken {
  private static final int MIN_LENGTH = 16;

  private final String value;
  private final byte[] digest;

  private AdminToken(String value) {
    this.value = value;
    this.digest = sha256(value);
  }

  /**
   * A configured token.
   *
   * <p>Printable ASCII only: an {@code Authorization} header's bytes are read as ISO-8859-1, so a
   * token holding any other character (an accent, an emoji, a non-breaking space) sent by curl as
   * UTF-8 would never match, and every admin request would be refused.
   *
   * @throws IllegalArgumentException if it is shorter than 16 characters, or holds whitespace or a
   *     character that is not printable ASCII
   */
  public static AdminToken of(String value) {
    return of(value, "an admin token");
  }

  /**
   * {@link #of(String)} for a token that is not the admin token (the check token), named {@code
   * what} (e.g. {@code "a check token"}) in what the refusal says.
   */
  public static AdminToken of(String value, String what) {
    Objects.requireNonNull(value, "value");
    if (value.length() < MIN_LENGTH || value.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
      throw new IllegalArgumentException(
          what
              + " is at least "
              + MIN_LENGTH
              + " printable characters without spaces, ASCII only (e.g. openssl rand -hex 24), got "
              + value.length()
              + " characters"
              + (value.chars().anyMatch(c -> c > 0x7f)
                  ? ", some of them not ASCII (an Authorization header could not carry them)"
                  : ""));
    }
    return new AdminToken(value);
  }

  /** A fresh random token: 24 bytes from {@link SecureRandom}, 48 hex digits. */
  public static AdminToken generate() {
    byte[] b = new byte[24];
    new SecureRandom().nextBytes(b);
    return new AdminToken(HexFormat.of().formatHex(b));
  }

  /** The token itself (shown once, in the start-up banner, when it was generated). */
  public String value() {
    return value;
  }

  /** Whether {@code authorization} (an {@code Authorization} header) is {@code Bearer <token>}. */
  public boolean acceptsHeader(String authorization) {
    if (authorization == null
        || authorization.length() < 7
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return accepts(authorization.substring(7).trim());
  }

  /** Whether {@code candidate} is the token. */
  public boolean accepts(String candidate) {
    return candidate != null && MessageDigest.isEqual(digest, sha256(candidate));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Never the token: it must not reach a log by accident. */
  @Override
  public String toString() {
    return "AdminToken[***]";
  }
}
