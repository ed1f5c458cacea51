package dev.sluice.server.simulate;

import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Rule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one policy did to the replayed requests: per outcome, per rule and limit, per minute, and
 * per identity it denied. Identities are kept only once denied, so memory grows with the limited
 * identities, not with the log.
 */
final class Tally {
  long requests;
  long allowed;
  long denied;
  long unlimited;
  long invalid;
  long unavailable;
  final Map<String, Long> problems = new HashMap<>();
  final Map<String, RuleTally> rules = new LinkedHashMap<>();
  final Map<IdentityKey, IdentityTally> identities = new HashMap<>();

  Tally(List<Rule> evaluated) {
    for (Rule r : evaluated) {
      rules.put(r.name(), new RuleTally(r));
    }
  }

  /** Per rule: requests it applied to, denied, and the same per limit and per minute. */
  static final class RuleTally {
    final Rule rule;
    long seen;
    long denied;
    final Map<String, LimitTally> limits = new LinkedHashMap<>();
    final TreeMap<Long, long[]> minutes = new TreeMap<>(); // minute start (us) -> {seen, denied}
    private long lastMinute = Long.MIN_VALUE; // lines come in time order: the same minute, mostly
    private long[] last;

    long[] minute(long start) {
      if (start != lastMinute) {
        last = minutes.computeIfAbsent(start, k -> new long[2]);
        lastMinute = start;
      }
      return last;
    }

    RuleTally(Rule rule) {
      this.rule = rule;
      for (Limit l : rule.limits()) {
        limits.put(l.name(), new LimitTally(l));
      }
    }

    long allowed() {
      return seen - denied;
    }

    /** The minute with the most requests (the earliest of equals), or null if none. */
    Map.Entry<Long, long[]> peak() {
      Map.Entry<Long, long[]> best = null;
      for (Map.Entry<Long, long[]> e : minutes.entrySet()) {
        if (best == null || e.getValue()[0] > best.getValue()[0]) {
          best = e;
        }
      }
      return best;
    }
  }

  /** Per limit of a rule (a tier's limit of the same name counts here too). */
  static final class LimitTally {
    final Limit limit;
    long seen;
    long denied;

    LimitTally(Limit limit) {
      this.limit = limit;
    }
  }

  record IdentityKey(String rule, long fingerprint) {}

  /** An identity a rule denied at least once. */
  static final class IdentityTally {
    final String rule;
    final long fingerprint;
    long denied;
    final long firstDeniedMicros;
    final long firstDeniedLine;
    final String binding;

    IdentityTally(String rule, long fingerprint, long at, long line, String binding) {
      this.rule = rule;
      this.fingerprint = fingerprint;
      this.firstDeniedMicros = at;
      this.firstDeniedLine = line;
      this.binding = binding;
    }
  }

  void add(LogLine line, Decision d) {
    requests++;
    switch (d.outcome()) {
      case ALLOWED, ALLOWED_UNCOUNTED -> allowed++;
      case DENIED -> denied++;
      case UNLIMITED, EXEMPT -> unlimited++; // not limited by any rule either way
      case INVALID -> {
        invalid++;
        problems.merge(d.problem(), 1L, Long::sum);
      }
      case UNAVAILABLE -> {
        unavailable++;
        problems.merge(d.problem(), 1L, Long::sum);
      }
    }
    if (d.outcome() != Decision.Outcome.ALLOWED && d.outcome() != Decision.Outcome.DENIED) {
      return;
    }
    long minute = Math.floorDiv(line.timeMicros, 60_000_000L) * 60_000_000L;
    for (Decision.Bucket b : d.buckets()) {
      RuleTally r = rules.get(b.rule());
      if (r == null) {
        continue;
      }
      LimitStatus failed = null;
      for (LimitStatus s : b.limits()) {
        LimitTally l = r.limits.get(s.limit().name());
        if (l != null) {
          l.seen++;
        }
        if (!s.passed()) {
          if (l != null) {
            l.denied++;
          }
          if (failed == null || s.retryAtMicros() > failed.retryAtMicros()) {
            failed = s; // the binding one: the last to let the request through again
          }
        }
      }
      r.seen++;
      long[] m = r.minute(minute);
      m[0]++;
      if (failed != null) {
        r.denied++;
        m[1]++;
        LimitStatus bound = failed;
        identities.computeIfAbsent(
                new IdentityKey(b.rule(), b.fingerprint()),
                k ->
                    new IdentityTally(
                        b.rule(), b.fingerprint(), line.timeMicros, line.number, describe(bound)))
            .denied++;
      }
    }
  }

  /** Whether {@code d} was denied by rule {@code rule} (for the diff). */
  static List<String> denyingRules(Decision d) {
    List<String> out = new ArrayList<>(2);
    for (Decision.Bucket b : d.buckets()) {
      if (!b.shadow()) {
        for (LimitStatus s : b.limits()) {
          if (!s.passed()) {
            out.add(b.rule());
            break;
          }
        }
      }
    }
    return out;
  }

  private static String describe(LimitStatus s) {
    return s.limit().name()
        + " ("
        + s.limit().describe()
        + (s.variant() == null ? "" : ", " + s.variant())
        + ")";
  }

  /** The identities denied most, most first; ties by first denial. */
  List<IdentityTally> topIdentities(int n) {
    return identities.values().stream()
        .sorted(
            Comparator.comparingLong((IdentityTally i) -> -i.denied)
                .thenComparingLong(i -> i.firstDeniedMicros)
                .thenComparing(i -> i.rule))
        .limit(n)
        .toList();
  }

  /** The share of requests denied, 0 to 1. */
  double deniedShare() {
    return requests == 0 ? 0 : (double) denied / requests;
  }
}
