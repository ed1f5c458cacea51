package dev.sluice.server.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What names a policy file's content across instances: the first 12 hex digits (48 bits) of the
 * SHA-256 of its bytes. Two instances showing the same hash run the same file; a fleet of a few
 * hundred instances and files has a chance of a false match far below one in a billion. The bytes,
 * not the parsed policy: a comment or a reordering shows as a change, which is what an operator
 * comparing deployed files expects.
 */
final class PolicyHash {
  static final String UNREADABLE = "unreadable";

  private PolicyHash() {}

  /** The hash of {@code file}'s bytes now, or {@value #UNREADABLE} (its loading then says why). */
  static String of(Path file) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (IOException e) {
      return UNREADABLE;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
