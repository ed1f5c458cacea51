package dev.sluice.server.simulate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.core.Sluice;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A finished {@link Simulation} as a text table for people and as JSON for scripts and CI. */
final class Report {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  final Simulation sim;
  final int top;
  final Double failOver; // share 0..1, or null

  Report(Simulation sim, int top, Double failOver) {
    this.sim = sim;
    this.top = top;
    this.failOver = failOver;
  }

  /** Whether the gate ({@code --fail-if-denied-over}) fails. */
  boolean gateFails() {
    return failOver != null && sim.policy.tally.deniedShare() > failOver;
  }

  static String time(long micros) {
    return TIME.format(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L)));
  }

  static String iso(long micros) {
    return Instant.ofEpochSecond(
            Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000)
        .toString();
  }

  static String seconds(long micros) {
    return String.format(Locale.ROOT, "%.3f s", micros / 1e6);
  }

  static String n(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  static String pct(long part, long whole) {
    return whole == 0 ? "-" : String.format(Locale.ROOT, "%.2f%%", 100.0 * part / whole);
  }

  /** The text report. */
  void text(PrintWriter out) {
    Tally t = sim.policy.tally;
    out.printf(
        Locale.ROOT,
        "Replayed %s (%s): %s requests on %s lines",
        sim.log,
        sim.format.name(),
        n(t.requests),
        n(sim.lines));
    if (t.requests > 0) {
      out.printf(" from %s to %s UTC", time(sim.firstMicros), time(sim.lastMicros));
    }
    out.println();
    if (sim.malformed > 0) {
      out.println("  malformed lines, skipped: " + n(sim.malformed));
      sim.malformedExamples.forEach(e -> out.println("    " + e));
    }
    if (sim.reordered > 0 || sim.late > 0) {
      out.println(
          "  out of order: "
              + n(sim.reordered)
              + " replayed in time order (within "
              + seconds(sim.reorderMicros)
              + "), "
              + n(sim.late)
              + " later than that, replayed at the replay's time");
      sim.lateExamples.forEach(e -> out.println("    " + e));
    }
    policy(out, sim.policy);
    if (sim.against != null) {
      out.println();
      out.println("Against " + sim.against.file + ":");
      policy(out, sim.against);
      out.println();
      out.printf(
          "Diff (%s against %s): %s requests newly denied, %s newly allowed%n",
          sim.policy.file, sim.against.file, n(sim.newlyDenied), n(sim.newlyAllowed));
      if (!sim.diffByRule.isEmpty()) {
        out.printf("  %-28s %14s %14s%n", "RULE", "NEWLY DENIED", "NEWLY ALLOWED");
        sim.diffByRule.forEach(
            (rule, v) -> out.printf("  %-28s %14s %14s%n", rule, n(v[0]), n(v[1])));
      }
    }
    if (failOver != null) {
      out.println();
      out.printf(
          "Gate: %s of requests denied, limit %s: %s%n",
          pct(t.denied, t.requests),
          String.format(Locale.ROOT, "%.4g%%", failOver * 100),
          gateFails() ? "FAIL" : "pass");
    }
    out.flush();
  }

  private void policy(PrintWriter out, PolicyReplay p) {
    Tally t = p.tally;
    out.println();
    out.printf(
        "Policy %s: %s of %s requests denied (%s); %s allowed, %s under no rule, %s invalid%s%n",
        p.file,
        n(t.denied),
        n(t.requests),
        pct(t.denied, t.requests),
        n(t.allowed),
        n(t.unlimited),
        n(t.invalid),
        t.unavailable > 0 ? ", " + n(t.unavailable) + " unavailable" : "");
    t.problems.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(3)
        .forEach(e -> out.println("  " + n(e.getValue()) + " x " + e.getKey()));
    out.println();
    out.printf(
        "  %-28s %12s %12s %12s %8s  %s%n",
        "RULE / LIMIT", "SEEN", "ALLOWED", "DENIED", "DENIED%", "PEAK MINUTE (requests, denied)");
    for (Tally.RuleTally r : t.rules.values()) {
      Map.Entry<Long, long[]> peak = r.peak();
      out.printf(
          "  %-28s %12s %12s %12s %8s  %s%n",
          r.rule.name() + (r.rule.shadow() ? " (shadow)" : ""),
          n(r.seen),
          n(r.allowed()),
          n(r.denied),
          pct(r.denied, r.seen),
          peak == null
              ? "-"
              : time(peak.getKey()).substring(0, 16)
                  + " ("
                  + n(peak.getValue()[0])
                  + ", "
                  + n(peak.getValue()[1])
                  + ")");
      for (Tally.LimitTally l : r.limits.values()) {
        out.printf(
            "    %-26s %12s %12s %12s %8s%n",
            l.limit.name() + " " + l.limit.describe(),
            n(l.seen),
            n(l.seen - l.denied),
            n(l.denied),
            pct(l.denied, l.seen));
      }
    }
    byReason(p.notEvaluable)
        .forEach((why, rules) -> out.println("  Not evaluable (" + rules + "): " + why));
    byReason(p.approximate)
        .forEach((why, rules) -> out.println("  Approximate (" + rules + "): " + why));
    List<Tally.IdentityTally> ids = t.topIdentities(top);
    if (!ids.isEmpty()) {
      out.println();
      out.printf(
          "  Identities limited: %s%s%n",
          n(t.identities.size()),
          t.identities.size() > ids.size() ? " (the " + ids.size() + " denied most)" : "");
      out.printf(
          "  %-16s  %-22s %10s  %-19s  %s%n",
          "FINGERPRINT", "RULE", "DENIED", "FIRST DENIAL (UTC)", "BINDING LIMIT");
      for (Tally.IdentityTally i : ids) {
        out.printf(
            "  %-16s  %-22s %10s  %-19s  %s%n",
            Sluice.fingerprintText(i.fingerprint),
            i.rule,
            n(i.denied),
            time(i.firstDeniedMicros),
            i.binding);
      }
    }
  }

  /** Rules by the reason given for them, the rules' names joined. */
  static Map<String, String> byReason(Map<String, String> reasons) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    reasons.forEach((rule, why) -> out.merge(why, rule, (a, b) -> a + ", " + b));
    return out;
  }

  /** The JSON summary. */
  void json(Writer w) throws IOException {
    try (JsonGenerator g = new JsonFactory().createGenerator(w).useDefaultPrettyPrinter()) {
      g.writeStartObject();
      g.writeObjectFieldStart("log");
      g.writeStringField("file", sim.log.toString());
      g.writeStringField("format", sim.format.name());
      g.writeNumberField("lines", sim.lines);
      g.writeNumberField("blank", sim.blank);
      g.writeNumberField("malformed", sim.malformed);
      strings(g, "malformedExamples", sim.malformedExamples);
      g.writeNumberField("reorderToleranceMicros", sim.reorderMicros);
      g.writeNumberField("reordered", sim.reordered);
      g.writeNumberField("late", sim.late);
      strings(g, "lateExamples", sim.lateExamples);
      if (sim.policy.tally.requests > 0) {
        g.writeStringField("first", iso(sim.firstMicros));
        g.writeStringField("last", iso(sim.lastMicros));
      }
      g.writeEndObject();
      g.writeFieldName("policy");
      policy(g, sim.policy);
      if (sim.against != null) {
        g.writeFieldName("against");
        policy(g, sim.against);
        g.writeObjectFieldStart("diff");
        g.writeNumberField("newlyDenied", sim.newlyDenied);
        g.writeNumberField("newlyAllowed", sim.newlyAllowed);
        g.writeArrayFieldStart("rules");
        for (Map.Entry<String, long[]> e : sim.diffByRule.entrySet()) {
          g.writeStartObject();
          g.writeStringField("rule", e.getKey());
          g.writeNumberField("newlyDenied", e.getValue()[0]);
          g.writeNumberField("newlyAllowed", e.getValue()[1]);
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      if (failOver != null) {
        g.writeObjectFieldStart("gate");
        g.writeNumberField("failIfDeniedOver", failOver);
        g.writeNumberField("deniedShare", sim.policy.tally.deniedShare());
        g.writeBooleanField("failed", gateFails());
        g.writeEndObject();
      }
      g.writeEndObject();
    }
  }

  private void policy(JsonGenerator g, PolicyReplay p) throws IOException {
    Tally t = p.tally;
    g.writeStartObject();
    g.writeStringField("file", p.file.toString());
    g.writeNumberField("requests", t.requests);
    g.writeNumberField("allowed", t.allowed);
    g.writeNumberField("denied", t.denied);
    g.writeNumberField("deniedShare", t.deniedShare());
    g.writeNumberField("unlimited", t.unlimited);
    g.writeNumberField("invalid", t.invalid);
    g.writeNumberField("unavailable", t.unavailable);
    g.writeObjectFieldStart("problems");
    for (Map.Entry<String, Long> e : t.problems.entrySet()) {
      g.writeNumberField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
    g.writeArrayFieldStart("rules");
    for (Tally.RuleTally r : t.rules.values()) {
      g.writeStartObject();
      g.writeStringField("rule", r.rule.name());
      g.writeBooleanField("shadow", r.rule.shadow());
      g.writeStringField("route", r.rule.route() == null ? null : r.rule.route().toString());
      g.writeStringField("key", r.rule.key().describe());
      if (p.approximate.containsKey(r.rule.name())) {
        g.writeStringField("approximate", p.approximate.get(r.rule.name()));
      }
      g.writeNumberField("seen", r.seen);
      g.writeNumberField("allowed", r.allowed());
      g.writeNumberField("denied", r.denied);
      g.writeNumberField("deniedShare", r.seen == 0 ? 0 : (double) r.denied / r.seen);
      Map.Entry<Long, long[]> peak = r.peak();
      if (peak != null) {
        g.writeObjectFieldStart("peakMinute");
        g.writeStringField("start", iso(peak.getKey()));
        g.writeNumberField("requests", peak.getValue()[0]);
        g.writeNumberField("denied", peak.getValue()[1]);
        g.writeEndObject();
      }
      g.writeArrayFieldStart("limits");
      for (Tally.LimitTally l : r.limits.values()) {
        g.writeStartObject();
        g.writeStringField("limit", l.limit.name());
        g.writeStringField("rate", l.limit.describe());
        g.writeNumberField("seen", l.seen);
        g.writeNumberField("allowed", l.seen - l.denied);
        g.writeNumberField("denied", l.denied);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("notEvaluable");
    for (Map.Entry<String, String> e : p.notEvaluable.entrySet()) {
      g.writeStartObject();
      g.writeStringField("rule", e.getKey());
      g.writeStringField("why", e.getValue());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeNumberField("identitiesLimited", t.identities.size());
    g.writeArrayFieldStart("identities");
    for (Tally.IdentityTally i : t.topIdentities(top)) {
      g.writeStartObject();
      g.writeStringField("fingerprint", Sluice.fingerprintText(i.fingerprint));
      g.writeStringField("rule", i.rule);
      g.writeNumberField("denied", i.denied);
      g.writeStringField("firstDenial", iso(i.firstDeniedMicros));
      g.writeNumberField("firstDenialLine", i.firstDeniedLine);
      g.writeStringField("binding", i.binding);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void strings(JsonGenerator g, String name, List<String> values)
      throws IOException {
    g.writeArrayFieldStart(name);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }
}
