package dev.sluice.server.ops;

import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.Policy;
import dev.sluice.overrides.StoredOverride;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The usage report ({@code GET /admin/usage/report}): per identity and rule, per hour and per day,
 * how many requests it let through ({@code allowed}) and how many it refused ({@code denied}).
 *
 * <p>A request is counted once for each rule that counted it: {@code allowed} when the request
 * passed, {@code denied} on the rules whose limits refused it. A rule that would have let a refused
 * request through charged nothing (a refusal charges no rule) and does not count it. A shadow rule
 * counts what it would have done, in rows marked {@code shadow}.
 *
 * <p>Memory is bounded. Rows are kept per hour, for the retention period ({@code
 * --usage-retention}, default 7 days); days are summed from hours when asked. Each hour holds at
 * most {@code rowsPerHour} distinct (identity, rule) rows; requests of identities that arrive once
 * an hour is full are folded into one row per rule whose identity is {@code other}. So the report
 * holds at most {@code retention in hours x (rowsPerHour + rules)} rows.
 */
final class UsageReport implements Recorder.Sink {
  static final String OTHER = "other";
  private static final long HOUR_MICROS = 3_600_000_000L;
  private static final long DAY_MICROS = 24 * HOUR_MICROS;

  private record Row(long fingerprint, boolean other, String rule, boolean shadow) {}

  /** One hour's rows of another instance, as it published them ({@link FleetUsage}). */
  record HourRows(long hourMicros, Map<Row, long[]> rows) {}

  private static final Comparator<Row> ORDER =
      Comparator.comparing((Row r) -> r.other)
          .thenComparing(r -> r.fingerprint, Long::compareUnsigned)
          .thenComparing(r -> r.rule)
          .thenComparing(r -> r.shadow);

  private final long retentionMicros;
  private final int rowsPerHour;

  /** Hour start (epoch micros) to its rows: {allowed, denied}. */
  private final TreeMap<Long, Map<Row, long[]>> hours = new TreeMap<>();

  /** Hours counted in since {@link #takeChanged} last took them: what to publish to the fleet. */
  private final java.util.Set<Long> changed = new java.util.TreeSet<>();

  UsageReport(Duration retention, int rowsPerHour) {
    this.retentionMicros = Math.max(HOUR_MICROS, retention.toNanos() / 1_000);
    this.rowsPerHour = rowsPerHour;
  }

  @Override
  public synchronized void accept(
      Policy policy, Decision d, List<Decision.Bucket> buckets, long nowMicros) {
    if (buckets.isEmpty()) {
      return;
    }
    long hour = Math.floorDiv(nowMicros, HOUR_MICROS) * HOUR_MICROS;
    Map<Row, long[]> rows = hours.get(hour);
    if (rows == null) {
      rows = new HashMap<>();
      hours.put(hour, rows);
      hours.headMap(nowMicros - retentionMicros - HOUR_MICROS).clear();
    }
    changed.add(hour);
    boolean passed = d.allowed();
    for (Decision.Bucket b : buckets) {
      boolean refusedHere = false;
      for (LimitStatus s : b.limits()) {
        refusedHere |= !s.passed();
      }
      // A shadow rule counts its own verdict; an enforced one is charged only if all passed.
      boolean allowed = b.shadow() ? !refusedHere : passed;
      if (!allowed && !refusedHere) {
        continue;
      }
      Row row = new Row(b.fingerprint(), false, b.rule(), b.shadow());
      long[] counts = rows.get(row);
      if (counts == null) {
        if (rows.size() >= rowsPerHour) {
          row = new Row(0, true, b.rule(), b.shadow());
        }
        counts = rows.computeIfAbsent(row, r -> new long[2]);
      }
      counts[allowed ? 0 : 1]++;
    }
  }

  /**
   * The counts in {@code lines} that went to an {@code other} row because their hour was full:
   * within the report's own period and identity (none when the report is for one identity).
   */
  static long folded(List<Line> lines) {
    long n = 0;
    for (Line l : lines) {
      if (OTHER.equals(l.identity())) {
        n += l.allowed() + l.denied();
      }
    }
    return n;
  }

  /** One line of the report. */
  record Line(
      Instant start, String identity, String rule, boolean shadow, long allowed, long denied) {
    JsonObject toJson() {
      return new JsonObject()
          .put("start", start.toString())
          .put("identity", identity)
          .put("rule", rule)
          .put("shadow", shadow)
          .put("allowed", allowed)
          .put("denied", denied);
    }
  }

  /**
   * The report by hour or by day ({@code day}), oldest first, for one identity or every one ({@code
   * fingerprint} null).
   */
  synchronized List<Line> lines(boolean day, Long fingerprint, long nowMicros) {
    return lines(day, fingerprint, nowMicros, List.of());
  }

  /**
   * {@link #lines(boolean, Long, long)} over this instance's hours and {@code others}' (another
   * instance's hours, as published): the fleet's report.
   */
  synchronized List<Line> lines(
      boolean day, Long fingerprint, long nowMicros, List<HourRows> others) {
    long oldest = nowMicros - retentionMicros;
    TreeMap<Long, Map<Row, long[]>> periods = new TreeMap<>();
    List<HourRows> all = new ArrayList<>(others);
    hours.forEach((hour, rows) -> all.add(new HourRows(hour, rows)));
    all.forEach(
        h -> {
          long hour = h.hourMicros();
          Map<Row, long[]> rows = h.rows();
          if (hour + HOUR_MICROS <= oldest) {
            return;
          }
          long start = day ? Math.floorDiv(hour, DAY_MICROS) * DAY_MICROS : hour;
          Map<Row, long[]> into = periods.computeIfAbsent(start, s -> new HashMap<>());
          rows.forEach(
              (row, c) -> {
                if (fingerprint == null || !row.other && row.fingerprint == fingerprint) {
                  long[] sum = into.computeIfAbsent(row, r -> new long[2]);
                  sum[0] += c[0];
                  sum[1] += c[1];
                }
              });
        });
    List<Line> out = new ArrayList<>();
    periods.forEach(
        (start, rows) -> {
          List<Row> sorted = new ArrayList<>(rows.keySet());
          sorted.sort(ORDER);
          for (Row r : sorted) {
            long[] c = rows.get(r);
            out.add(
                new Line(
                    Epoch.instant(start),
                    r.other ? OTHER : Sluice.fingerprintText(r.fingerprint),
                    r.rule,
                    r.shadow,
                    c[0],
                    c[1]));
          }
        });
    return out;
  }

  /**
   * The hours counted in since the last call, each as {@code [[identity, rule, shadow, allowed,
   * denied], ...]} ({@code identity} 16 hex digits, or {@value #OTHER}): what this instance
   * publishes to the fleet. Each is the hour's whole state, so publishing it again is harmless.
   */
  synchronized Map<Long, JsonArray> takeChanged() {
    Map<Long, JsonArray> out = new TreeMap<>();
    for (long hour : changed) {
      Map<Row, long[]> rows = hours.get(hour);
      if (rows == null) {
        continue;
      }
      JsonArray a = new JsonArray();
      rows.forEach(
          (r, c) ->
              a.add(
                  new JsonArray()
                      .add(r.other ? OTHER : Sluice.fingerprintText(r.fingerprint))
                      .add(r.rule)
                      .add(r.shadow)
                      .add(c[0])
                      .add(c[1])));
      out.put(hour, a);
    }
    changed.clear();
    return out;
  }

  /** Hours whose publication failed: published again next time. */
  synchronized void changedAgain(java.util.Collection<Long> hoursMicros) {
    changed.addAll(hoursMicros);
  }

  /**
   * Another instance's hour as {@link #takeChanged} wrote it.
   *
   * @throws IllegalArgumentException if it is not such rows
   */
  static HourRows parse(long hourMicros, JsonArray rows) {
    Map<Row, long[]> out = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      JsonArray r = rows.getJsonArray(i);
      String id = r.getString(0);
      boolean other = OTHER.equals(id);
      Row row =
          new Row(
              other ? 0 : StoredOverride.parseFingerprint(id),
              other,
              java.util.Objects.requireNonNull(r.getString(1), "rule"),
              r.getBoolean(2));
      long[] c = out.computeIfAbsent(row, k -> new long[2]);
      c[0] += r.getLong(3);
      c[1] += r.getLong(4);
    }
    return new HourRows(hourMicros, out);
  }

  static JsonArray json(List<Line> lines) {
    JsonArray a = new JsonArray();
    lines.forEach(l -> a.add(l.toJson()));
    return a;
  }

  /**
   * RFC 4180 CSV with a header line. Every text field goes through {@link #csvField}: rule names
   * may start with {@code -} (and a later policy may allow more), which a spreadsheet would run as
   * a formula.
   */
  static String csv(List<Line> lines) {
    StringBuilder sb = new StringBuilder("start,identity,rule,shadow,allowed,denied\r\n");
    for (Line l : lines) {
      sb.append(l.start)
          .append(',')
          .append(csvField(l.identity))
          .append(',')
          .append(csvField(l.rule))
          .append(',')
          .append(l.shadow)
          .append(',')
          .append(l.allowed)
          .append(',')
          .append(l.denied)
          .append("\r\n");
    }
    return sb.toString();
  }

  /**
   * One CSV field, safe to open in a spreadsheet: a field starting with {@code = + - @}, a tab or a
   * carriage return (what Excel, LibreOffice and Google Sheets read as a formula) is prefixed with
   * a {@code '}, and a field holding a comma, a quote or a line break is quoted, its quotes doubled
   * (RFC 4180).
   */
  static String csvField(String value) {
    if (value == null) {
      return "";
    }
    String v = value;
    if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
      v = "'" + v;
    }
    if (v.indexOf(',') >= 0
        || v.indexOf('"') >= 0
        || v.indexOf('\n') >= 0
        || v.indexOf('\r') >= 0) {
      v = '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }
}
