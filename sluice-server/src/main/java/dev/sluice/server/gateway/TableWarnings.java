package dev.sluice.server.gateway;

import dev.sluice.server.ops.TableStats;
import java.util.Map;
import java.util.TreeMap;

/**
 * The log's word on table pressure: asked periodically (every 10 s by the gateway), it says what
 * happened to new identities since it was last asked, or nothing if nothing did, so a flood costs
 * the log at most one line per period however fast it runs.
 */
final class TableWarnings {
  private final TableStats table;
  private Map<String, Long> last = Map.of();

  TableWarnings(TableStats table) {
    this.table = table;
  }

  /** The warning for what happened since the last call, or {@code null}. */
  synchronized String check() {
    Map<String, Long> now = new TreeMap<>();
    table
        .overflows()
        .values()
        .forEach(byAction -> byAction.forEach((a, n) -> now.merge(a, n, Long::sum)));
    Map<String, Long> delta = new TreeMap<>();
    now.forEach(
        (action, n) -> {
          long d = n - last.getOrDefault(action, 0L);
          if (d > 0) {
            delta.put(action, d);
          }
        });
    last = now;
    if (delta.isEmpty()) {
      return null;
    }
    StringBuilder counts = new StringBuilder();
    delta.forEach(
        (action, n) ->
            counts.append(counts.length() == 0 ? "" : ", ").append(action).append(' ').append(n));
    return "the bucket table is "
        + table.state()
        + " ("
        + table.buckets()
        + " of "
        + table.capacity()
        + " buckets): new identities not given a bucket of their own since the last report: "
        + counts
        + " (ceiling: over their client's ceiling, counted per client; reserve: table past "
        + table.identityCapacity()
        + ", counted per client; shared: counted in their rule's shared bucket;"
        + " see sluice_table_overflow_total)";
  }
}
