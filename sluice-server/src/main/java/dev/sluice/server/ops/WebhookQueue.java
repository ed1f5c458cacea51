package dev.sluice.server.ops;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The webhook events not yet delivered, and those that failed for good, kept in a {@link
 * WebhookJournal} (or in memory only, without a state directory).
 *
 * <p>State: {@code pending}, the events waiting for delivery, oldest first (at most {@code
 * capacity}); {@code waiting}, those of them not in flight, ordered by when they are due; {@code
 * failed}, the events given up (at most {@code keepFailed}, oldest first), which an operator can
 * re-send or remove. Every change is appended to the journal as it is made, so reading the journal
 * back, record by record, rebuilds the same state:
 *
 * <pre>
 *   {"op":"add","id":..,"url":..,"secret_env":..,"created":micros,"event":{..}}  pending += e
 *   {"op":"delivered","id":..}                                                    pending -= e
 *   {"op":"failed","id":..,"reason":..,"status":..,"attempts":..,"at":micros}     pending to failed
 *   {"op":"resend","id":..,"at":micros}                     failed to pending, made anew at "at"
 *   {"op":"removed","id":..}                                         failed -= e (or pending -= e)
 * </pre>
 *
 * Attempts in progress and their count are not journalled: after a restart every pending event is
 * due at once, and the back-off, which depends only on the event's age ({@link WebhookRetry}), goes
 * on from there.
 *
 * <p>Bounds: an event added to a full queue pushes out the <em>oldest</em> pending one (it moves to
 * {@code failed}, reason "dropped", and is reported to {@code dropped}): the newest events say what
 * is happening now, and a receiver down for long must not keep the events of the present out with
 * those of yesterday. {@code failed} forgets its oldest beyond {@code keepFailed}. The journal
 * holds one line per change and is rewritten with only the live entries when it holds more than
 * twice their number plus 1,000 lines, so it stays within a small multiple of {@code (capacity +
 * keepFailed)} events.
 *
 * <p>Not thread-safe: the {@link WebhookSender} that owns it calls it under its lock.
 */
final class WebhookQueue {
  /** One event for one webhook. */
  static final class Entry {
    final String id;
    final URI url;
    final String secretEnv;
    final JsonObject event;
    final long seq;
    long createdMicros;
    long dueMicros;
    int attempts;
    boolean inFlight;
    String reason;
    int status;
    long failedMicros;

    Entry(String id, URI url, String secretEnv, JsonObject event, long createdMicros, long seq) {
      this.id = id;
      this.url = url;
      this.secretEnv = secretEnv;
      this.event = event;
      this.createdMicros = createdMicros;
      this.dueMicros = createdMicros;
      this.seq = seq;
    }

    /** As {@code GET /admin/webhooks/failed} lists it (the receiver's URL shortened). */
    JsonObject toJson() {
      return new JsonObject()
          .put("id", id)
          .put("url", WebhookSender.shown(url))
          .put("reason", reason)
          .put("status", status)
          .put("attempts", attempts)
          .put("created", Epoch.instant(createdMicros).toString())
          .put("failed", Epoch.instant(failedMicros).toString())
          .put("event", event.copy());
    }
  }

  private static final Comparator<Entry> BY_DUE =
      Comparator.<Entry>comparingLong(e -> e.dueMicros).thenComparingLong(e -> e.seq);

  private final LinkedHashMap<String, Entry> pending = new LinkedHashMap<>();
  private final TreeSet<Entry> waiting = new TreeSet<>(BY_DUE);
  private final LinkedHashMap<String, Entry> failed = new LinkedHashMap<>();
  private final int capacity;
  private final int keepFailed;
  private final WebhookJournal journal;
  private final Consumer<Entry> dropped;
  private long seq;

  /**
   * @param journal where changes are kept, or {@code null} to keep them in memory only
   * @param dropped told of each event pushed out of a full queue
   */
  WebhookQueue(int capacity, int keepFailed, WebhookJournal journal, Consumer<Entry> dropped) {
    this.capacity = capacity;
    this.keepFailed = keepFailed;
    this.journal = journal;
    this.dropped = dropped;
  }

  /**
   * Reads the journal back, then rewrites it with the live entries only; every pending event is due
   * at {@code nowMicros}. Returns the number of unreadable lines skipped.
   */
  int load(long nowMicros) {
    if (journal == null) {
      return 0;
    }
    int skipped = journal.read(this::replay);
    for (Entry e : pending.values()) {
      e.dueMicros = nowMicros;
      waiting.add(e);
    }
    trim(nowMicros);
    if (journal.exists()) {
      journal.rewrite(snapshot());
    }
    return skipped;
  }

  private void replay(JsonObject r) {
    String id = r.getString("id");
    if (id == null) {
      throw new IllegalArgumentException("no id");
    }
    switch (String.valueOf(r.getString("op"))) {
      case "add" -> {
        JsonObject event = r.getJsonObject("event");
        String secretEnv = r.getString("secret_env");
        if (event == null || secretEnv == null) {
          throw new IllegalArgumentException("an add without its event or secret_env");
        }
        long created = r.getLong("created");
        failed.remove(id);
        pending.remove(id);
        pending.put(
            id, new Entry(id, URI.create(r.getString("url")), secretEnv, event, created, seq++));
      }
      case "delivered" -> pending.remove(id);
      case "failed" -> {
        Entry e = pending.remove(id);
        if (e != null) {
          e.reason = r.getString("reason", "failed");
          e.status = r.getInteger("status", 0);
          e.attempts = r.getInteger("attempts", 0);
          e.failedMicros = r.getLong("at", e.createdMicros);
          failed.put(id, e);
        }
      }
      case "resend" -> {
        Entry e = failed.remove(id);
        if (e != null) {
          pending.put(id, renewed(e, r.getLong("at")));
        }
      }
      case "removed" -> {
        failed.remove(id);
        pending.remove(id);
      }
      default -> throw new IllegalArgumentException("unknown op " + r.getValue("op"));
    }
  }

  /** Queues a new event, due at once; a full queue pushes out its oldest. */
  void add(String id, URI url, String secretEnv, JsonObject event, long nowMicros) {
    Entry e = new Entry(id, url, secretEnv, event, nowMicros, seq++);
    Entry old = pending.remove(id);
    if (old != null) {
      waiting.remove(old);
    }
    pending.put(id, e);
    waiting.add(e);
    append(addRecord(e));
    trim(nowMicros);
  }

  /**
   * Takes up to {@code max} events due by {@code nowMicros}, soonest first, and marks them in
   * flight (their attempt counted).
   */
  List<Entry> takeDue(long nowMicros, int max) {
    List<Entry> due = new ArrayList<>();
    while (due.size() < max && !waiting.isEmpty() && waiting.first().dueMicros <= nowMicros) {
      Entry e = waiting.pollFirst();
      e.inFlight = true;
      e.attempts++;
      due.add(e);
    }
    return due;
  }

  /** When the next waiting event is due, or {@link Long#MAX_VALUE} if none is. */
  long nextDueMicros() {
    return waiting.isEmpty() ? Long.MAX_VALUE : waiting.first().dueMicros;
  }

  /** Whether {@code e} is still pending (not pushed out or removed while in flight). */
  boolean holds(Entry e) {
    return pending.get(e.id) == e;
  }

  /** {@code e}'s attempt succeeded. */
  void delivered(Entry e) {
    e.inFlight = false;
    if (holds(e)) {
      pending.remove(e.id);
      append(new JsonObject().put("op", "delivered").put("id", e.id));
    }
  }

  /** {@code e}'s attempt failed; it is tried again at {@code dueMicros}. */
  void retryAt(Entry e, long dueMicros) {
    e.inFlight = false;
    if (holds(e)) {
      e.dueMicros = dueMicros;
      waiting.add(e);
    }
  }

  /** {@code e} is given up, for {@code reason}. */
  void fail(Entry e, String reason, int status, long nowMicros) {
    e.inFlight = false;
    if (holds(e)) {
      pending.remove(e.id);
      waiting.remove(e);
      toFailed(e, reason, status, nowMicros);
    }
  }

  private void toFailed(Entry e, String reason, int status, long nowMicros) {
    e.reason = reason;
    e.status = status;
    e.failedMicros = nowMicros;
    failed.put(e.id, e);
    append(
        new JsonObject()
            .put("op", "failed")
            .put("id", e.id)
            .put("reason", reason)
            .put("status", status)
            .put("attempts", e.attempts)
            .put("at", nowMicros));
    for (Iterator<Entry> it = failed.values().iterator(); failed.size() > keepFailed; ) {
      Entry oldest = it.next();
      it.remove();
      append(new JsonObject().put("op", "removed").put("id", oldest.id));
    }
  }

  /** Pushes the oldest events out of a queue above its capacity. */
  private void trim(long nowMicros) {
    for (Iterator<Entry> it = pending.values().iterator(); pending.size() > capacity; ) {
      Entry oldest = it.next();
      it.remove();
      waiting.remove(oldest);
      oldest.inFlight = false;
      toFailed(
          oldest,
          "dropped: " + capacity + " newer events were waiting (--webhook-queue)",
          0,
          nowMicros);
      dropped.accept(oldest);
    }
  }

  /**
   * Moves the failed event {@code id} back to the queue, made anew at {@code nowMicros} (a full
   * retry time ahead of it, the same id); {@code false} if no failed event has that id.
   */
  boolean resend(String id, long nowMicros) {
    Entry f = failed.remove(id);
    if (f == null) {
      return false;
    }
    Entry e = renewed(f, nowMicros);
    pending.put(id, e);
    waiting.add(e);
    append(new JsonObject().put("op", "resend").put("id", id).put("at", nowMicros));
    trim(nowMicros);
    return true;
  }

  private Entry renewed(Entry f, long nowMicros) {
    return new Entry(f.id, f.url, f.secretEnv, f.event, nowMicros, seq++);
  }

  /** Forgets the failed event {@code id}; {@code false} if no failed event has that id. */
  boolean remove(String id) {
    if (failed.remove(id) == null) {
      return false;
    }
    append(new JsonObject().put("op", "removed").put("id", id));
    return true;
  }

  /** The failed event {@code id}, or {@code null}. */
  Entry failed(String id) {
    return failed.get(id);
  }

  /** The events failed for good, newest first. */
  List<Entry> failedNewestFirst() {
    List<Entry> all = new ArrayList<>(failed.values());
    java.util.Collections.reverse(all);
    return all;
  }

  int pending() {
    return pending.size();
  }

  int failedCount() {
    return failed.size();
  }

  /** Forces the changes made so far to the disk. */
  void sync() {
    if (journal != null) {
      journal.sync();
    }
  }

  /** Rewrites the journal if it holds far more lines than live entries. */
  void compactIfNeeded() {
    if (journal != null && journal.lines() > 2L * (pending.size() + failed.size()) + 1_000) {
      journal.rewrite(snapshot());
    }
  }

  void close() {
    if (journal != null) {
      journal.close();
    }
  }

  private void append(JsonObject record) {
    if (journal != null) {
      journal.append(record);
    }
  }

  /** The records that rebuild the present state. */
  private List<JsonObject> snapshot() {
    List<JsonObject> records = new ArrayList<>();
    for (Entry e : failed.values()) {
      records.add(addRecord(e));
      records.add(
          new JsonObject()
              .put("op", "failed")
              .put("id", e.id)
              .put("reason", e.reason)
              .put("status", e.status)
              .put("attempts", e.attempts)
              .put("at", e.failedMicros));
    }
    for (Entry e : pending.values()) {
      records.add(addRecord(e));
    }
    return records;
  }

  private static JsonObject addRecord(Entry e) {
    return new JsonObject()
        .put("op", "add")
        .put("id", e.id)
        .put("url", e.url.toString())
        .put("secret_env", e.secretEnv)
        .put("created", e.createdMicros)
        .put("event", e.event);
  }
}
