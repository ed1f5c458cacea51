package dev.sluice.server.ops;

import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * How full the in-memory bucket table is, and what became of the new identities it could not give a
 * bucket of their own (by rule and {@link InMemoryStore.Overflow}): for {@code /readyz}, {@code
 * /metrics}, the dashboard and the log. Read on demand, never on a request's path.
 */
public final class TableStats {
  /** The bucket group of the readiness probe: not a rule, left out of the figures. */
  public static final String PROBE_GROUP = "sluice-readiness-probe";

  private final InMemoryStore store;

  private TableStats(InMemoryStore store) {
    this.store = store;
  }

  /** The table of {@code store}, or {@code null} if it keeps no buckets in this process. */
  public static TableStats of(Store store) {
    return store instanceof InMemoryStore m ? new TableStats(m) : null;
  }

  /** Live buckets. */
  public long buckets() {
    return store.size();
  }

  /** The cap ({@code --max-buckets}). */
  public long capacity() {
    return store.capacity();
  }

  /** Up to where new identities get buckets of their own. */
  public long identityCapacity() {
    return store.identityCapacity();
  }

  /**
   * {@code ok} below the identity capacity; {@code reserve} past it (new identities are counted per
   * client address); {@code full} at the cap (new identities share their rule's bucket).
   */
  public String state() {
    long n = buckets();
    return n < identityCapacity() ? "ok" : n < capacity() ? "reserve" : "full";
  }

  /**
   * Since start, by rule (its tiers' groups added to it) and action label: new identities not given
   * a bucket of their own.
   */
  public Map<String, Map<String, Long>> overflows() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    store
        .overflows()
        .forEach(
            (rule, byAction) -> {
              if (rule.equals(PROBE_GROUP)) {
                return;
              }
              byAction.forEach(
                  (action, n) ->
                      out.computeIfAbsent(rule, r -> new TreeMap<>())
                          .merge(action.label(), n, Long::sum));
            });
    return out;
  }

  /** Every overflow since start, whatever the rule or action. */
  public long overflowTotal() {
    long n = 0;
    for (Map<String, Long> byAction : overflows().values()) {
      for (long v : byAction.values()) {
        n += v;
      }
    }
    return n;
  }

  /** The figures as JSON: buckets, capacity, identity_capacity, fill (0 to 1), state, overflows. */
  public JsonObject toJson() {
    JsonObject overflows = new JsonObject();
    overflows()
        .forEach(
            (rule, byAction) -> {
              JsonObject o = new JsonObject();
              byAction.forEach(o::put);
              overflows.put(rule, o);
            });
    long n = buckets();
    long cap = capacity();
    return new JsonObject()
        .put("buckets", n)
        .put("capacity", cap)
        .put("identity_capacity", identityCapacity())
        .put("fill", Math.round(1000.0 * Math.min(n, cap) / cap) / 1000.0)
        .put("state", state())
        .put("overflows", overflows);
  }
}
