package dev.sluice.server.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The proxy's access log: one line per request answered, in nginx's {@code combined} format or as
 * JSON lines, to a file (appended to) or standard output. Off unless {@code serve --access-log} is
 * given.
 *
 * <p>Writing never holds up an event loop: a request's end puts an {@link AccessEntry} in a bounded
 * queue ({@value #QUEUE} entries) and returns; this log's own thread takes them in batches, formats
 * them ({@link AccessLineFormat}) and writes, flushing whenever the queue runs dry. When the queue
 * is full (a disk slower than the traffic), the entry is dropped and counted ({@link #dropped}, in
 * {@code /metrics} as {@code sluice_access_log_dropped_total}); a failed write is counted the same
 * way and logged at most once a minute. What an entry costs the event loop is the record itself and
 * a lock held for one array store.
 *
 * <p>No secret reaches the file: the query string is never written, nor any header but the user
 * agent and the referrer (without its query string), and not those either when a rule keys on them;
 * a path segment a rule keys on is written as its {@code {name}}; the identity is written as its
 * fingerprint, {@code fp:} and 16 hex digits. The client address is written as the policy counted
 * it, or as its fingerprint ({@link Client#FINGERPRINT}).
 *
 * <p>Rotation: the file is opened once, for appending, so rotate it with {@code copytruncate}
 * (logrotate), or write to standard output and let the process supervisor keep it.
 */
public final class AccessLog implements AutoCloseable {
  /** How many lines may wait for the writer before new ones are dropped. */
  static final int QUEUE = 16_384;

  private static final int BATCH = 512;
  private static final System.Logger LOG = System.getLogger("sluice.gateway");

  /** How a line is written. */
  public enum Format {
    /** nginx's and Apache's combined format, then Sluice's fields as {@code name=value}. */
    COMBINED,
    /** One JSON object a line, readable by {@code sluice simulate --format json}. */
    JSON;

    /** The format named {@code name} ({@code combined}, {@code json}), or an error saying so. */
    public static Format parse(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "combined" -> COMBINED;
        case "json" -> JSON;
        default ->
            throw new IllegalArgumentException(
                "the access log format is combined or json, not '" + name + "'");
      };
    }
  }

  /** How the client is named. */
  public enum Client {
    /** Its address, as a web server's log has it. */
    ADDRESS,
    /** Its address's fingerprint: distinct clients stay distinct, their addresses are not kept. */
    FINGERPRINT;

    /** The way named {@code name} ({@code address}, {@code fingerprint}), or an error saying so. */
    public static Client parse(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "address" -> ADDRESS;
        case "fingerprint" -> FINGERPRINT;
        default ->
            throw new IllegalArgumentException(
                "the access log's client is address or fingerprint, not '" + name + "'");
      };
    }
  }

  private final ArrayBlockingQueue<AccessEntry> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong dropped = new AtomicLong();
  private final AccessLineFormat format;
  private final OutputStream out;
  private final boolean ownsOut;
  private final String where;
  private final Thread writer;
  private final BoundedLog failures = new BoundedLog(60);
  private volatile boolean closing;

  AccessLog(AccessLineFormat format, OutputStream out, boolean ownsOut, String where) {
    this.format = format;
    this.out = out;
    this.ownsOut = ownsOut;
    this.where = where;
    this.writer = new Thread(this::write, "sluice-access-log");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Opens the access log: {@code target} a file, created if need be and appended to, or {@code -}
   * for standard output.
   *
   * @throws IOException if the file cannot be opened for appending
   */
  public static AccessLog open(String target, Format format, Client client) throws IOException {
    AccessLineFormat f = new AccessLineFormat(format, client);
    if (target.equals("-")) {
      return new AccessLog(f, System.out, false, "standard output");
    }
    Path file = Path.of(target);
    OutputStream out =
        Files.newOutputStream(
            file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    return new AccessLog(f, out, true, file.toString());
  }

  /** Queues {@code e} for writing, or drops and counts it if the writer is that far behind. */
  void add(AccessEntry e) {
    if (closing || !queue.offer(e)) {
      dropped.incrementAndGet();
    }
  }

  /** Lines dropped since start: the queue was full, or writing them failed. */
  public long dropped() {
    return dropped.get();
  }

  /** Where the lines go, as the banner says it. */
  public String where() {
    return where;
  }

  private void write() {
    List<AccessEntry> batch = new ArrayList<>(BATCH);
    StringBuilder text = new StringBuilder(256 * BATCH);
    while (true) {
      try {
        AccessEntry first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing) {
            return;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
      } catch (InterruptedException e) {
        queue.drainTo(batch);
        closing = true;
      }
      text.setLength(0);
      for (AccessEntry e : batch) {
        format.append(e, text);
      }
      try {
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        if (queue.isEmpty()) {
          out.flush();
        }
        if (out instanceof PrintStream p && p.checkError()) {
          throw new IOException("standard output is closed");
        }
      } catch (IOException | RuntimeException e) {
        dropped.addAndGet(batch.size());
        failures.log(Level.WARNING, "the access log could not be written to " + where, e);
      }
      batch.clear();
      if (closing && queue.isEmpty()) {
        return;
      }
    }
  }

  /** Writes what is queued, then closes the file. */
  @Override
  public void close() {
    closing = true;
    try {
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      out.flush();
      if (ownsOut) {
        out.close();
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "the access log " + where + " could not be closed: " + e);
    }
  }
}
