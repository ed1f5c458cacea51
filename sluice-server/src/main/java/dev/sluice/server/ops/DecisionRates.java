package dev.sluice.server.ops;

import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.policy.Policy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decisions per second over the last {@link #SECONDS} seconds, by rule (the one whose limit bound
 * the decision, as in the {@code sluice_decisions_total} metric; {@code none} when no rule applied)
 * and outcome: the dashboard's chart. Shadow rules that would have denied a request count it in a
 * series of their own, outcome {@value #SHADOW_DENIED}.
 *
 * <p>Each series is a ring of per-second counts, a slot reused once its second has passed out of
 * the window. Bounded by the policy's rules times the six outcomes.
 */
final class DecisionRates implements Recorder.Sink {
  static final int SECONDS = 120;

  /** The outcome of a request a shadow rule would have denied. */
  static final String SHADOW_DENIED = "shadow_denied";

  private static final class Series {
    final long[] counts = new long[SECONDS];
    final long[] second = new long[SECONDS];
    long total;

    void add(long s) {
      int i = (int) Math.floorMod(s, (long) SECONDS);
      if (second[i] != s) {
        second[i] = s;
        counts[i] = 0;
      }
      counts[i]++;
      total++;
    }

    long at(long s) {
      int i = (int) Math.floorMod(s, (long) SECONDS);
      return second[i] == s ? counts[i] : 0;
    }
  }

  private final Map<String, Series> series = new TreeMap<>();

  @Override
  public synchronized void accept(
      Policy policy, Decision d, List<Decision.Bucket> buckets, long nowMicros) {
    LimitStatus binding = d.binding();
    String rule = binding == null ? "none" : binding.rule();
    long second = Math.floorDiv(nowMicros, 1_000_000L);
    String key = rule + " " + d.outcome().name().toLowerCase(Locale.ROOT);
    series.computeIfAbsent(key, k -> new Series()).add(second);
    if (d.shadowDenied()) {
      for (Decision.Bucket b : buckets) {
        if (b.shadow() && b.limits().stream().anyMatch(s -> !s.passed())) {
          series.computeIfAbsent(b.rule() + " " + SHADOW_DENIED, k -> new Series()).add(second);
        }
      }
    }
  }

  /**
   * The last {@link #SECONDS} seconds up to {@code nowMicros}: {@code {"end": epochSecond,
   * "seconds": 120, "series": [{"rule", "outcome", "points": [...], "last_minute", "total"}]}}.
   */
  synchronized JsonObject toJson(long nowMicros) {
    long end = Math.floorDiv(nowMicros, 1_000_000L);
    JsonArray out = new JsonArray();
    series.forEach(
        (key, s) -> {
          JsonArray points = new JsonArray();
          long lastMinute = 0;
          for (long t = end - SECONDS + 1; t <= end; t++) {
            long n = s.at(t);
            points.add(n);
            if (t > end - 60) {
              lastMinute += n;
            }
          }
          int space = key.indexOf(' ');
          out.add(
              new JsonObject()
                  .put("rule", key.substring(0, space))
                  .put("outcome", key.substring(space + 1))
                  .put("points", points)
                  .put("last_minute", lastMinute)
                  .put("total", s.total));
        });
    return new JsonObject().put("end", end).put("seconds", SECONDS).put("series", out);
  }
}
