package dev.sluice.overrides;

import dev.sluice.core.Sluice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Overrides kept in one JSON file ({@code overrides.json} in the state directory), for a gateway or
 * an app on the in-memory store:
 *
 * <pre>{@code {"version": 1, "identity_key": "3e1a...",
 *  "overrides": {"9f2c...": {"tier": "pro", "limits": {}, ...}}}}</pre>
 *
 * <p>{@code identity_key} names (without revealing it) the identity key the fingerprints were made
 * under: opened with another key, a file holding overrides is refused, as its overrides would apply
 * to nobody (see {@link #FileOverrideStorage(Path, byte[])}).
 *
 * <p>Every change rewrites the whole file, atomically: the new content goes to a temporary file in
 * the same directory, which is flushed to disk ({@code fsync}) and then renamed over the old one
 * ({@code ATOMIC_MOVE}), and the directory is flushed so the rename itself survives a power cut. A
 * crash at any point leaves either the old file or the new one, never half of one. Overrides are
 * few (one per customer who asked), so rewriting them all is cheap.
 *
 * <p>One instance per file: it keeps a copy of the content and writes from that. {@link #subscribe}
 * never reports anything, as no other instance writes the file.
 */
public final class FileOverrideStorage implements OverrideStorage {
  private final Path file;
  private final String keyFingerprint;
  private final Map<Long, StoredOverride> content = new TreeMap<>(Long::compareUnsigned);

  /**
   * Opens {@code file}, reading what it holds (nothing if it does not exist yet).
   *
   * @throws UncheckedIOException if it cannot be read
   * @throws IllegalArgumentException if it does not hold overrides
   */
  public FileOverrideStorage(Path file) {
    this(file, null);
  }

  /**
   * Opens {@code file}, whose overrides' fingerprints are made under {@code identityKey} (the state
   * directory's), and records the key's fingerprint with every write.
   *
   * @throws UncheckedIOException if it cannot be read
   * @throws IllegalArgumentException if it does not hold overrides
   * @throws IllegalStateException if it holds overrides made under another identity key
   */
  public FileOverrideStorage(Path file, byte[] identityKey) {
    this.file = file;
    this.keyFingerprint = identityKey == null ? null : StateDir.keyFingerprint(identityKey);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    try {
      if (!(Json.parse(text) instanceof Map<?, ?> root)) {
        throw new IllegalArgumentException("the file is not a JSON object");
      }
      Object overrides = root.containsKey("overrides") ? root.get("overrides") : Map.of();
      if (!(overrides instanceof Map<?, ?> all)) {
        throw new IllegalArgumentException(
            "\"overrides\" is " + (overrides == null ? "null" : overrides) + ", not an object");
      }
      for (Map.Entry<?, ?> e : all.entrySet()) {
        long fingerprint = StoredOverride.parseFingerprint((String) e.getKey());
        content.put(fingerprint, StoredOverride.fromJson(fingerprint, e.getValue()));
      }
      Object madeUnder = root.get("identity_key");
      if (keyFingerprint != null
          && madeUnder != null
          && !content.isEmpty()
          && !keyFingerprint.equals(madeUnder)) {
        throw new IllegalStateException(
            file
                + " holds "
                + content.size()
                + " override(s) made under another identity key (fingerprint "
                + madeUnder
                + ") than the state directory's identity.key ("
                + keyFingerprint
                + "): identity.key was replaced or regenerated, so every client has a new"
                + " fingerprint and those overrides would apply to nobody. Restore the identity.key"
                + " they were made under from a backup; or, to start afresh, move overrides.json"
                + " away (its overrides are lost: set them again)");
      }
    } catch (ClassCastException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          file
              + " does not hold overrides ("
              + e.getMessage()
              + "); fix it or move it away (its overrides are then lost)",
          e);
    }
  }

  @Override
  public synchronized Map<Long, StoredOverride> loadAll() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(content));
  }

  @Override
  public synchronized void put(StoredOverride override) {
    StoredOverride before = content.put(override.fingerprint(), override);
    try {
      write();
    } catch (UncheckedIOException e) {
      if (before == null) {
        content.remove(override.fingerprint());
      } else {
        content.put(override.fingerprint(), before);
      }
      throw e;
    }
  }

  @Override
  public synchronized void delete(long fingerprint) {
    StoredOverride before = content.remove(fingerprint);
    if (before == null) {
      return;
    }
    try {
      write();
    } catch (UncheckedIOException e) {
      content.put(fingerprint, before);
      throw e;
    }
  }

  @Override
  public void subscribe(Consumer<Change> listener) {
    // one writer, this instance: nothing to hear of
  }

  private void write() {
    Map<String, Object> all = new LinkedHashMap<>();
    content.forEach((fp, o) -> all.put(Sluice.fingerprintText(fp), o.toJson()));
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("version", 1);
    if (keyFingerprint != null) {
      root.put("identity_key", keyFingerprint);
    }
    root.put("overrides", all);
    byte[] bytes = Json.write(root, true).concat("\n").getBytes(StandardCharsets.UTF_8);
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, ".overrides", ".tmp");
      StateDir.restrict(tmp, StateDir.OWNER_FILE);
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          out.write(buf);
        }
        out.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
      syncDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the temporary file stays; the next write makes another
        }
      }
    }
  }

  /** Flushes a directory's entries, so a rename in it is durable (where the OS allows it). */
  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Windows cannot open a directory; its renames are journalled by NTFS
    }
  }

  @Override
  public String toString() {
    return file.toString();
  }
}
