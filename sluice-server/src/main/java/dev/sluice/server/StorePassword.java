package dev.sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The store's password kept off the command line, where anyone who can list processes reads it:
 * from the variable {@code SLUICE_STORE_PASSWORD}, or from a file ({@code --store-password-file},
 * or {@code SLUICE_STORE_PASSWORD_FILE}), as Kubernetes and Docker mount secrets. A file's trailing
 * line ends are dropped ({@code echo secret > file} writes one); nothing else is trimmed, since a
 * password may end in a space.
 *
 * <p>Both given is an error rather than a choice, and so is a password here while the store URI
 * carries one too (the store says so): two sources of one secret go out of step when it rotates,
 * and the process would then use whichever one the rule picked, silently.
 */
final class StorePassword {
  static final String ENV = "SLUICE_STORE_PASSWORD";

  /** A password file larger than this is not a password file (a device, a wrong path). */
  static final int MAX_BYTES = 4096;

  private StorePassword() {}

  /**
   * The password, or null if none is given.
   *
   * @param file the password file, or null
   * @param fileSource how the file was named ({@code --store-password-file} or its variable)
   * @throws IllegalArgumentException if both are given, or the file cannot be read, is empty, too
   *     large, or not UTF-8 (the message names the source, never the password)
   */
  static String resolve(Function<String, String> environment, Path file, String fileSource) {
    String fromEnv = environment.apply(ENV);
    if (fromEnv != null && fromEnv.isEmpty()) {
      fromEnv = null;
    }
    if (file == null) {
      return fromEnv;
    }
    if (fromEnv != null) {
      throw new IllegalArgumentException(
          ENV + " and " + fileSource + " both give the store password: keep one");
    }
    return read(file, fileSource);
  }

  private static String read(Path file, String source) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          source + ": cannot read the store password from " + file + ": " + reason(e));
    }
    if (bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException(
          source + ": " + file + " is larger than " + MAX_BYTES + " bytes: not a password file");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(source + ": " + file + " is not UTF-8 text");
    }
    int end = text.length();
    while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
      end--;
    }
    if (end == 0) {
      throw new IllegalArgumentException(source + ": " + file + " is empty");
    }
    return text.substring(0, end);
  }

  private static String reason(Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return String.valueOf(e.getMessage());
  }
}
