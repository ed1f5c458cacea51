package dev.sluice.server.ops;

import dev.sluice.overrides.StateDir;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The webhook queue's file in the state directory ({@code webhooks.journal}): one JSON object a
 * line, each a change to the queue ({@code add}, {@code delivered}, {@code failed}, {@code resend},
 * {@code removed}; see {@link WebhookQueue}), so that what was waiting for delivery, and what
 * failed for good, survives a restart.
 *
 * <p>Durability: appends go to the file as they are made ({@code write}, no {@code fsync}); {@link
 * #sync} forces them to the disk, and the sender calls it before it sends what it appended (an
 * event is on the disk before its first attempt can be seen) and after each batch of outcomes; so
 * one {@code fsync} covers a burst of events. A crash can lose only outcomes not yet synced, and
 * then an event is sent again (deliveries are at least once; receivers dedupe by id), or events
 * made in the last moment before it, not yet handed to the disk.
 *
 * <p>Reading tolerates damage: a line that is not a JSON object (a torn last line after a crash, a
 * disk error) is skipped and counted, and the rest is read. After reading, the journal is rewritten
 * with only what is live ({@link #rewrite}), atomically (a new file, {@code fsync}ed, renamed over
 * the old one, the directory {@code fsync}ed), which also drops the damaged lines; the sender
 * rewrites it the same way whenever it holds many more lines than live entries, so its size stays
 * proportional to the queue's bound.
 */
final class WebhookJournal implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("sluice.webhooks");

  private final Path file;
  private FileChannel out;
  private boolean dirty;
  private long lines;
  private long failures;

  WebhookJournal(Path file) {
    this.file = file;
  }

  /** Where it is kept. */
  Path file() {
    return file;
  }

  /** Whether the file is there. */
  boolean exists() {
    return Files.exists(file);
  }

  /** Lines appended since the last rewrite. */
  long lines() {
    return lines;
  }

  /**
   * Hands each readable record to {@code apply}, oldest first; returns how many lines were skipped
   * as unreadable. A missing file has no records.
   */
  int read(Consumer<JsonObject> apply) {
    int skipped = 0;
    int number = 0;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line; (line = in.readLine()) != null; ) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        JsonObject record;
        try {
          record = new JsonObject(line);
        } catch (DecodeException | ClassCastException e) {
          skipped++;
          LOG.log(
              Level.WARNING,
              "{0} line {1} is not a JSON object (a torn write?); skipped",
              file,
              number);
          continue;
        }
        try {
          apply.accept(record);
        } catch (RuntimeException e) { // a record with a field missing or of the wrong type
          skipped++;
          LOG.log(
              Level.WARNING,
              "{0} line {1} is not a webhook record ({2}); skipped",
              file,
              number,
              e.getMessage());
        }
      }
    } catch (NoSuchFileException e) {
      return 0;
    } catch (java.nio.charset.MalformedInputException e) {
      LOG.log(Level.WARNING, "{0} holds bytes that are not UTF-8 after line {1}", file, number);
      return skipped + 1;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return skipped;
  }

  /**
   * Appends {@code record} (not yet forced to the disk: see {@link #sync}). A disk that fails does
   * not stop deliveries: the failure is logged (the first, then every 1,000th) and counted, and the
   * queue goes on in memory.
   */
  void append(JsonObject record) {
    try {
      if (out == null) {
        out = open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      writeLine(out, record);
      dirty = true;
      lines++;
    } catch (IOException | UncheckedIOException e) {
      failed("write", e);
    }
  }

  /** Forces what was appended to the disk, if anything was. */
  void sync() {
    if (!dirty || out == null) {
      return;
    }
    try {
      out.force(false);
      dirty = false;
    } catch (IOException e) {
      failed("sync", e);
    }
  }

  /** Writes or syncs that failed so far. */
  long failures() {
    return failures;
  }

  private void failed(String what, Exception e) {
    if (failures++ % 1_000 == 0) {
      LOG.log(
          Level.ERROR,
          "cannot {0} {1} ({2} failure(s) so far): webhook events are kept in memory only, and"
              + " a restart would lose them: {3}",
          what,
          file,
          failures,
          e.getMessage());
    }
  }

  /** Replaces the whole journal with {@code records}, atomically; appends then go after them. */
  void rewrite(List<JsonObject> records) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(tmp);
      try (FileChannel t = open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (JsonObject r : records) {
          writeLine(t, r);
        }
        t.force(true);
      }
      close();
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      syncDirectory(file.toAbsolutePath().getParent());
      lines = records.size();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite " + file + ": " + e.getMessage(), e);
    }
  }

  private static void writeLine(FileChannel channel, JsonObject record) throws IOException {
    ByteBuffer b = ByteBuffer.wrap((record.encode() + "\n").getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private static FileChannel open(Path p, StandardOpenOption... options) throws IOException {
    StateDir.open(p.toAbsolutePath().getParent()); // made owner-only, as the state directory is
    Set<StandardOpenOption> set = Set.of(options);
    try {
      return FileChannel.open(p, set, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException e) {
      return FileChannel.open(p, set);
    }
  }

  /** Makes a rename in {@code dir} durable (where the platform lets a directory be opened). */
  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every platform can: the rename is then as durable as the file system makes it
    }
  }

  @Override
  public void close() {
    if (out != null) {
      try {
        if (dirty) {
          out.force(false);
        }
        out.close();
      } catch (IOException e) {
        LOG.log(Level.WARNING, "closing {0} failed: {1}", file, e.getMessage());
      }
      out = null;
      dirty = false;
    }
  }
}
