package dev.sluice.server;

import java.util.HexFormat;

/**
 * The key of the identity hash, which instances sharing a Redis store must share (or they count
 * one client in different buckets): 32 hex digits in {@code SLUICE_IDENTITY_SECRET}. Generate one
 * with {@code openssl rand -hex 16}.
 */
final class IdentitySecret {
  static final String ENV = "SLUICE_IDENTITY_SECRET";

  private IdentitySecret() {}

  /**
   * The secret in {@code value} (the variable's content).
   *
   * @throws IllegalArgumentException if it is missing or not 32 hex digits
   */
  static byte[] fromEnvironment(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("a Redis store is shared by every instance, so they must"
          + " hash identities with one key: set " + ENV + " to the same 32 hex digits on each"
          + " (e.g. export " + ENV + "=$(openssl rand -hex 16))");
    }
    String hex = value.trim();
    if (hex.length() != 32 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException(ENV + " must be 32 hex digits (16 bytes), got "
          + hex.length() + " characters");
    }
    return HexFormat.of().parseHex(hex);
  }
}
