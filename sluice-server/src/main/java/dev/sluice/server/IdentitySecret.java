package dev.sluice.server;

import java.util.HexFormat;

/**
 * The key of the identity hash, which instances sharing a Redis store must share (or they count one
 * client in different buckets): 32 hex digits in {@code SLUICE_IDENTITY_SECRET} (generate one with
 * {@code openssl rand -hex 16}). Without it, instances on Redis share the one the first of them
 * stored there.
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
    String hex = value == null ? "" : value.trim();
    if (hex.length() != 32 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException(
          ENV + " must be 32 hex digits (16 bytes), got " + hex.length() + " characters");
    }
    return HexFormat.of().parseHex(hex);
  }
}
