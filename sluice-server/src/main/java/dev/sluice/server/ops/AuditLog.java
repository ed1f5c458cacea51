package dev.sluice.server.ops;

import dev.sluice.core.Ticker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The audit trail ({@code GET /admin/audit?limit=N}): every change to an override (set, removed,
 * expired) and every policy reload (by {@code POST /admin/reload} or {@code SIGHUP}, taken or
 * refused), and every change a read-only caller tried and was refused, with when, what and who by
 * the kind of credential it came with ({@code admin}, {@code viewer}, {@code session}, {@code
 * signal}, {@code expiry}).
 *
 * <p>Each entry is also logged at {@code INFO} on the logger {@code sluice.audit}, one line, so a
 * log pipeline keeps the whole history; the admin API lists the last {@code capacity} (newest
 * first) from this instance's memory. Identities appear as fingerprints only, and an override's
 * before and after as its stored JSON (tier, limits, expiry), never a raw key. Nothing here is on a
 * request's path: entries come from admin requests, reloads and the minute's expiry sweep.
 */
final class AuditLog {
  private static final System.Logger LOG = System.getLogger("sluice.audit");
  static final int MAX_LIMIT = 1_000;

  /** One audited event. {@code before}/{@code after} may be null; {@code error} is null if ok. */
  record Entry(
      long seq,
      long atMicros,
      String action,
      String by,
      String identity,
      Object before,
      Object after,
      String error) {
    JsonObject toJson(String instance) {
      return new JsonObject()
          .put("seq", seq)
          .put("time", Epoch.instant(atMicros).toString())
          .put("action", action)
          .put("by", by)
          .put("ok", error == null)
          .put("identity", identity)
          .put("before", before)
          .put("after", after)
          .put("error", error)
          .put("instance", instance);
    }
  }

  private final Ticker clock;
  private final int capacity;
  private final String instance;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private long seq;

  AuditLog(Ticker clock, int capacity, String instance) {
    this.clock = clock;
    this.capacity = capacity;
    this.instance = instance;
  }

  /**
   * Records and logs one event.
   *
   * @param action e.g. {@code override.put}, {@code override.delete}, {@code override.expire},
   *     {@code policy.reload}
   * @param by the credential's kind
   * @param identity the fingerprint concerned, or null
   * @param before what was there (a JSON value or a string), or null
   * @param after what is there now, or null
   * @param error why it failed or was refused, or null if it was done
   */
  void record(
      String action, String by, String identity, Object before, Object after, String error) {
    Entry e;
    synchronized (this) {
      e = new Entry(++seq, clock.epochMicros(), action, by, identity, before, after, error);
      entries.addFirst(e);
      if (entries.size() > capacity) {
        entries.removeLast();
      }
    }
    LOG.log(
        error == null ? Level.INFO : Level.WARNING,
        "audit: {0} by {1}{2}{3}{4}{5}",
        action,
        by,
        identity == null ? "" : " of " + identity,
        before == null ? "" : " before=" + before,
        after == null ? "" : " after=" + after,
        error == null ? "" : " failed: " + error);
  }

  /** The newest {@code limit} entries, newest first. */
  synchronized JsonArray newest(int limit) {
    JsonArray out = new JsonArray();
    Iterator<Entry> it = entries.iterator();
    for (int i = 0; i < limit && it.hasNext(); i++) {
      out.add(it.next().toJson(instance));
    }
    return out;
  }

  synchronized int size() {
    return entries.size();
  }
}
