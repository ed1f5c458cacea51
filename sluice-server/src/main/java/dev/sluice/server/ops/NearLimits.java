package dev.sluice.server.ops;

import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.Seconds;
import dev.sluice.core.policy.Policy;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The identities closest to their limits ({@code GET /admin/usage/top}): for each rule and
 * identity, where its bucket stood after its latest request, by the limit of the bucket nearest to
 * full.
 *
 * <p>Bounded: at most {@code capacity} entries. Written by the recorder's thread only; an entry is
 * updated in place, so a busy identity allocates nothing. When a new identity arrives at a full
 * table, entries whose window has reset since (they are whole again, so no longer near anything) go
 * first; if that frees nothing, the tenth of the table farthest from its limits goes, which costs a
 * sort once per tenth-of-capacity arrivals, not per request.
 */
final class NearLimits implements Recorder.Sink {
  private record Key(String rule, long fingerprint) {}

  /** Where one identity's bucket of one rule stood. */
  static final class Entry {
    final String rule;
    final long fingerprint;
    String variant;
    String limit;
    long used;
    long capacity;
    long remaining;
    long resetAtMicros;
    long seenMicros;
    boolean shadow;

    Entry(String rule, long fingerprint) {
      this.rule = rule;
      this.fingerprint = fingerprint;
    }

    double fullness() {
      return capacity == 0 ? 0 : (double) used / capacity;
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("identity", Sluice.fingerprintText(fingerprint))
          .put("rule", rule)
          .put("tier", variant)
          .put("limit", limit)
          .put("used", used)
          .put("capacity", capacity)
          .put("remaining", remaining)
          .put("percent", capacity == 0 ? 0 : Math.round(100.0 * used / capacity))
          .put("reset", Seconds.ceil(resetAtMicros))
          .put("shadow", shadow);
    }
  }

  private static final Comparator<Entry> NEAREST_FIRST =
      Comparator.comparingDouble(Entry::fullness)
          .reversed()
          .thenComparing(Comparator.comparingLong((Entry e) -> e.used).reversed())
          .thenComparing(e -> e.rule)
          .thenComparing(e -> e.fingerprint, Long::compareUnsigned);

  private final int capacity;
  private final Map<Key, Entry> entries = new HashMap<>();

  NearLimits(int capacity) {
    this.capacity = capacity;
  }

  @Override
  public synchronized void accept(
      Policy policy, Decision d, List<Decision.Bucket> buckets, long nowMicros) {
    for (Decision.Bucket b : buckets) {
      LimitStatus nearest = null;
      double fullness = -1;
      for (LimitStatus s : b.limits()) {
        long cap = s.limit().capacity();
        double f = (double) Math.max(0, cap - s.remaining()) / cap;
        if (f > fullness || f == fullness && s.resetAtMicros() > nearest.resetAtMicros()) {
          nearest = s;
          fullness = f;
        }
      }
      if (nearest == null) {
        continue;
      }
      Key k = new Key(b.rule(), b.fingerprint());
      Entry e = entries.get(k);
      if (e == null) {
        if (entries.size() >= capacity && !makeRoom(nowMicros)) {
          continue;
        }
        e = new Entry(b.rule(), b.fingerprint());
        entries.put(k, e);
      }
      e.variant = b.variant();
      e.limit = nearest.limit().name();
      e.capacity = nearest.limit().capacity();
      e.remaining = nearest.remaining();
      e.used = Math.max(0, e.capacity - e.remaining);
      e.resetAtMicros = nearest.resetAtMicros();
      e.seenMicros = nowMicros;
      e.shadow = b.shadow();
    }
  }

  /**
   * Frees a tenth of the table: entries whose window has reset first, then those furthest from
   * their limits. Always a tenth, so the scan and sort are paid once per tenth-of-capacity arrivals
   * even when identities churn (freeing just what expired would rescan on every one).
   *
   * <p>The cut is found on a primitive array: fullness lies in [0, 1], where a double's bits order
   * as the double does, so sorting the bits as longs sorts the fullness. (Sorting the entries with
   * {@link #NEAREST_FIRST} was most of the recorder's time once many identities churned: 100,000
   * clients on the rate limit service.) Among entries exactly as full as the cut, which go is
   * arbitrary.
   */
  private boolean makeRoom(long nowMicros) {
    entries.values().removeIf(e -> e.resetAtMicros <= nowMicros);
    int target = capacity - Math.max(1, capacity / 10);
    int excess = entries.size() - target;
    if (excess <= 0) {
      return true;
    }
    long[] fullness = new long[entries.size()];
    int n = 0;
    for (Entry e : entries.values()) {
      fullness[n++] = Double.doubleToRawLongBits(e.fullness());
    }
    Arrays.sort(fullness);
    long cut = fullness[excess - 1]; // the fullest entry that goes
    int tiesToDrop = excess;
    for (int i = 0; i < excess && fullness[i] < cut; i++) {
      tiesToDrop--;
    }
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      long f = Double.doubleToRawLongBits(it.next().fullness());
      if (f < cut) {
        it.remove();
      } else if (f == cut && tiesToDrop > 0) {
        it.remove();
        tiesToDrop--;
      }
    }
    return true;
  }

  /** The {@code n} entries nearest to full whose window has not reset by {@code nowMicros}. */
  synchronized List<JsonObject> top(int n, long nowMicros) {
    return nearest(n, nowMicros).stream().map(Entry::toJson).toList();
  }

  /**
   * {@link #top} with each entry's {@code seen} (epoch micros of the request it reflects): what
   * this instance publishes for the fleet's view ({@link FleetUsage}).
   */
  synchronized List<JsonObject> export(int n, long nowMicros) {
    return nearest(n, nowMicros).stream().map(e -> e.toJson().put("seen", e.seenMicros)).toList();
  }

  /** The {@code n} live entries (window not reset, something used) nearest to full, in order. */
  private List<Entry> nearest(int n, long nowMicros) {
    List<Entry> live = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.resetAtMicros > nowMicros && e.used > 0) {
        live.add(e);
      }
    }
    live.sort(NEAREST_FIRST);
    return live.subList(0, Math.min(n, live.size()));
  }

  /**
   * The {@code n} nearest to full among several instances' {@link #export}s: per rule and identity,
   * the latest observation (on a shared store every instance sees the same bucket, so the newest
   * request's view is the truest), leaving out windows reset by {@code nowMicros}.
   */
  static List<JsonObject> merge(List<JsonObject> exported, int n, long nowMicros) {
    Map<String, JsonObject> latest = new HashMap<>();
    for (JsonObject o : exported) {
      String key = o.getString("rule") + "\n" + o.getString("identity");
      JsonObject had = latest.get(key);
      if (had == null || had.getLong("seen", 0L) < o.getLong("seen", 0L)) {
        latest.put(key, o);
      }
    }
    long nowSeconds = Math.floorDiv(nowMicros, 1_000_000L);
    List<JsonObject> live = new ArrayList<>();
    for (JsonObject o : latest.values()) {
      if (o.getLong("reset", 0L) > nowSeconds && o.getLong("used", 0L) > 0) {
        live.add(o);
      }
    }
    live.sort(
        Comparator.comparingDouble(
                (JsonObject o) -> (double) o.getLong("used") / Math.max(1, o.getLong("capacity")))
            .reversed()
            .thenComparing(Comparator.comparingLong((JsonObject o) -> o.getLong("used")).reversed())
            .thenComparing(o -> o.getString("rule"))
            .thenComparing(o -> o.getString("identity")));
    List<JsonObject> out = new ArrayList<>();
    for (int i = 0; i < Math.min(n, live.size()); i++) {
      JsonObject o = live.get(i).copy();
      o.remove("seen");
      out.add(o);
    }
    return out;
  }

  synchronized int size() {
    return entries.size();
  }
}
