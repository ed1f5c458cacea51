package dev.sluice.overrides;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The directory where a gateway ({@code --state-dir}, default {@code .sluice}) or an app ({@code
 * sluice.state-dir}) on the in-memory store keeps what must survive a restart: {@code
 * identity.key}, the 16 random bytes that key identity fingerprints (so a fingerprint, and the
 * override set on it, means the same client after a restart), {@code overrides.json} (see {@link
 * FileOverrideStorage}), and the gateway's {@code webhooks.journal}, the webhook events not yet
 * delivered.
 *
 * <p>The directory is made owner-only (700) and its files 600 where the file system knows POSIX
 * permissions: the key lets whoever holds it test guesses of API keys against fingerprints.
 */
public final class StateDir {
  static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_DIR =
      PosixFilePermissions.fromString("rwx------");
  private static final int KEY_BYTES = 16;

  private final Path dir;

  private StateDir(Path dir) {
    this.dir = dir;
  }

  /**
   * Opens {@code dir}, creating it if needed.
   *
   * @throws UncheckedIOException if it cannot be created or is not a directory
   */
  public static StateDir open(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        restrict(dir, OWNER_DIR);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the state directory " + dir + ": " + e.getMessage(), e);
    }
    return new StateDir(dir);
  }

  /** The directory. */
  public Path path() {
    return dir;
  }

  /** Where the overrides are kept with the in-memory store. */
  public Path overridesFile() {
    return dir.resolve("overrides.json");
  }

  /** Where webhook events waiting for delivery, or failed for good, are kept. */
  public Path webhooksFile() {
    return dir.resolve("webhooks.journal");
  }

  /**
   * The identity key: read from {@code identity.key}, or made (16 bytes from {@link SecureRandom})
   * and written there, mode 600, on the first start.
   *
   * <p>A key is made only where no override needs the old one: if {@code identity.key} is missing
   * while {@code overrides.json} holds overrides (made under the missing key, which a new one would
   * orphan: still listed, applying to nobody), it refuses.
   *
   * @throws UncheckedIOException if the file cannot be read or written, or is not 16 bytes
   * @throws IllegalStateException if the key is missing while overrides made under it are kept
   */
  public byte[] identityKey() {
    Path file = dir.resolve("identity.key");
    try {
      if (!Files.exists(file)) {
        int orphans = Files.exists(overridesFile()) ? storedOverrides() : 0;
        if (orphans > 0) {
          throw new IllegalStateException(
              file
                  + " is missing, but "
                  + overridesFile()
                  + " holds "
                  + orphans
                  + " override(s) made under it: a new key would give every client a new"
                  + " fingerprint, and those overrides would apply to nobody. Restore identity.key"
                  + " from a backup; or, to start afresh, move overrides.json away (its overrides"
                  + " are lost: set them again)");
        }
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        // Written whole to a file of its own (owner-only from its creation), then published
        // under the real name by a hard link, which fails if the name exists: of two processes
        // starting at once on one directory, the first one's key stays, and neither ever reads
        // a key half written.
        Path tmp = dir.resolve("identity.key." + ProcessHandle.current().pid() + ".tmp");
        Files.deleteIfExists(tmp);
        try (SeekableByteChannel out = create(tmp)) {
          out.write(ByteBuffer.wrap(key));
          ((FileChannel) out).force(true);
        }
        try {
          Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException e) {
          // made by another process meanwhile: read theirs
        } catch (UnsupportedOperationException e) { // no hard links here: a plain rename
          try {
            Files.move(tmp, file);
          } catch (FileAlreadyExistsException taken) {
            // made by another process meanwhile: read theirs
          }
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      byte[] key = Files.readAllBytes(file);
      if (key.length != KEY_BYTES) {
        throw new UncheckedIOException(
            new IOException(
                file
                    + " holds "
                    + key.length
                    + " bytes, not the "
                    + KEY_BYTES
                    + " of an identity key; restore it from a backup, or delete it to start afresh"
                    + " (every fingerprint, and so every override, changes)"));
      }
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create " + file + ": " + e.getMessage(), e);
    }
  }

  /** How many overrides {@code overrides.json} holds. */
  private int storedOverrides() {
    try {
      return new FileOverrideStorage(overridesFile()).loadAll().size();
    } catch (IllegalArgumentException e) {
      return 1; // unreadable: it may hold overrides, and opening it will say what is wrong
    }
  }

  /**
   * What stands for {@code key} in {@code overrides.json}: 16 hex digits of its SHA-256, enough to
   * tell one key from another without revealing it.
   */
  static String keyFingerprint(byte[] key) {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      sha.update("sluice identity key\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return java.util.HexFormat.of().formatHex(sha.digest(key), 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  private static SeekableByteChannel create(Path file) throws IOException {
    Set<StandardOpenOption> options =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      return FileChannel.open(file, options, PosixFilePermissions.asFileAttribute(OWNER_FILE));
    } catch (UnsupportedOperationException e) {
      return FileChannel.open(file, options);
    }
  }

  static void restrict(Path p, Set<PosixFilePermission> perms) throws IOException {
    try {
      Files.setPosixFilePermissions(p, perms);
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: its own ACLs apply
    }
  }
}
