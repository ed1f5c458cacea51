package dev.sluice.server.simulate;

import dev.sluice.core.Sluice;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report a person reads: one self-contained HTML file (no script, no network), its charts
 * inline SVG drawn here. Per rule, requests and denials per minute over the log's time; the
 * identities denied most, as bars; the tables of the text report; the diff of {@code --against}.
 */
final class HtmlReport {
  private static final int W = 560;
  private static final int H = 150;
  private static final int LEFT = 48;
  private static final int BOTTOM = 22;
  private static final int TOP = 10;

  private final Report report;
  private final Simulation sim;
  private final StringBuilder h = new StringBuilder(64 * 1024);

  HtmlReport(Report report) {
    this.report = report;
    this.sim = report.sim;
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  String render() {
    Tally t = sim.policy.tally;
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
        .append(esc("Sluice simulate: " + sim.policy.file + " on " + sim.log))
        .append("</title>\n<style>\n")
        .append(
            """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#1d2330;padding:0 16px}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
            .sub{color:#5b6475}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
            .card{border:1px solid #dde2ea;border-radius:8px;padding:10px 14px;min-width:150px}
            .card b{display:block;font-size:22px}.card.bad b{color:#c62828}
            table{border-collapse:collapse;width:100%;margin:6px 0}th,td{padding:4px 8px;border-bottom:1px solid #eef1f5;text-align:left}
            th{font-weight:600;color:#5b6475;font-size:12px;text-transform:uppercase}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
            tr.limit td:first-child{padding-left:24px;color:#5b6475}code,.fp{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
            .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(570px,1fr));gap:14px}
            .chart{border:1px solid #dde2ea;border-radius:8px;padding:8px}.chart h3{font-size:14px;margin:0 0 4px}
            .legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
            .note{background:#fff7e0;border:1px solid #f0d890;border-radius:6px;padding:6px 10px;margin:6px 0}
            .bad{color:#c62828}.good{color:#2e7d32}
            """)
        .append("</style></head><body>\n");
    h.append("<h1>What ")
        .append(esc(sim.policy.file.toString()))
        .append(" would do</h1>\n<div class=\"sub\">Replayed ")
        .append(esc(sim.log.toString()))
        .append(" (")
        .append(sim.format.name())
        .append(")");
    if (t.requests > 0) {
      h.append(", ")
          .append(Report.time(sim.firstMicros))
          .append(" to ")
          .append(Report.time(sim.lastMicros))
          .append(" UTC");
    }
    h.append(". Identities are shown by fingerprint, never as sent.</div>\n");
    h.append("<div class=\"cards\">");
    card("requests", Report.n(t.requests), "sum-requests", false);
    card(
        "denied (" + Report.pct(t.denied, t.requests) + ")",
        Report.n(t.denied),
        "sum-denied",
        t.denied > 0);
    card("identities limited", Report.n(t.identities.size()), "sum-identities", false);
    card("under no rule", Report.n(t.unlimited), "sum-unlimited", false);
    card("invalid", Report.n(t.invalid), "sum-invalid", t.invalid > 0);
    card("malformed lines", Report.n(sim.malformed), "sum-malformed", sim.malformed > 0);
    if (sim.against != null) {
      card("newly denied", Report.n(sim.newlyDenied), "sum-newly-denied", sim.newlyDenied > 0);
      card("newly allowed", Report.n(sim.newlyAllowed), "sum-newly-allowed", false);
    }
    if (report.failOver != null) {
      card(
          "gate " + String.format(Locale.ROOT, "%.4g%%", report.failOver * 100),
          report.gateFails() ? "FAIL" : "pass",
          "gate",
          report.gateFails());
    }
    h.append("</div>\n");
    notes();
    h.append("<h2>Requests and denials per minute, by rule</h2>\n<div class=\"legend\">")
        .append("<span style=\"background:#90b4e8\"></span>requests")
        .append("<span style=\"background:#d32f2f\"></span>denied</div>\n<div class=\"charts\">");
    StringBuilder idle = new StringBuilder();
    for (Tally.RuleTally r : t.rules.values()) {
      if (r.seen > 0) {
        timeChart(r);
      } else {
        idle.append(idle.length() == 0 ? "" : ", ").append(r.rule.name());
      }
    }
    h.append("</div>\n");
    if (idle.length() > 0) {
      h.append("<p class=\"sub\">No request in the log for: ")
          .append(esc(idle.toString()))
          .append(".</p>\n");
    }
    h.append("<h2>Rules and limits</h2>\n");
    rulesTable(sim.policy, "rules");
    identities(t);
    if (sim.against != null) {
      diff();
    }
    h.append("</body></html>\n");
    return h.toString();
  }

  private void card(String label, String value, String id, boolean bad) {
    h.append("<div class=\"card")
        .append(bad ? " bad" : "")
        .append("\"><b id=\"")
        .append(id)
        .append("\">")
        .append(esc(value))
        .append("</b>")
        .append(esc(label))
        .append("</div>");
  }

  private void notes() {
    PolicyReplay p = sim.policy;
    for (Map.Entry<String, String> e : p.notEvaluable.entrySet()) {
      h.append("<div class=\"note\" data-not-evaluable=\"")
          .append(esc(e.getKey()))
          .append("\">Rule <b>")
          .append(esc(e.getKey()))
          .append("</b> is not evaluable: ")
          .append(esc(e.getValue()))
          .append(".</div>\n");
    }
    for (Map.Entry<String, String> e : Report.byReason(p.approximate).entrySet()) {
      h.append("<div class=\"note\">Approximate, rules <b>")
          .append(esc(e.getValue()))
          .append("</b>: ")
          .append(esc(e.getKey()))
          .append(".</div>\n");
    }
    if (sim.malformed > 0) {
      h.append("<div class=\"note\">")
          .append(Report.n(sim.malformed))
          .append(" malformed lines were skipped");
      for (String ex : sim.malformedExamples) {
        h.append("<br><code>").append(esc(ex)).append("</code>");
      }
      h.append("</div>\n");
    }
    if (sim.late > 0) {
      h.append("<div class=\"note\">")
          .append(Report.n(sim.late))
          .append(" lines were more out of order than ")
          .append(Report.seconds(sim.reorderMicros))
          .append(" and were replayed at the replay's time");
      for (String ex : sim.lateExamples) {
        h.append("<br><code>").append(esc(ex)).append("</code>");
      }
      h.append("</div>\n");
    }
  }

  /** Requests (blue area) and denials (red area) per minute of the whole log, for one rule. */
  private void timeChart(Tally.RuleTally r) {
    long from = Math.floorDiv(sim.firstMicros, 60_000_000L);
    long to = Math.floorDiv(sim.lastMicros, 60_000_000L);
    int minutes = (int) Math.max(1, Math.min(to - from + 1, 100_000));
    long[] seen = new long[minutes];
    long[] denied = new long[minutes];
    long max = 1;
    for (Map.Entry<Long, long[]> e : r.minutes.entrySet()) {
      int i = (int) (e.getKey() / 60_000_000L - from);
      if (i >= 0 && i < minutes) {
        seen[i] = e.getValue()[0];
        denied[i] = e.getValue()[1];
        max = Math.max(max, seen[i]);
      }
    }
    max = niceCeiling(max);
    double plotW = W - LEFT - 10;
    double plotH = H - TOP - BOTTOM;
    h.append("<div class=\"chart\" data-rule=\"")
        .append(esc(r.rule.name()))
        .append("\"><h3>")
        .append(esc(r.rule.name()))
        .append(" <span class=\"sub\">")
        .append(Report.n(r.denied))
        .append(" of ")
        .append(Report.n(r.seen))
        .append(" denied</span></h3>\n");
    h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(H)
        .append("\" viewBox=\"0 0 ")
        .append(W)
        .append(' ')
        .append(H)
        .append("\" role=\"img\"><title>")
        .append(esc(r.rule.name() + ": requests and denials per minute"))
        .append("</title>\n");
    int parts = max >= 10 && max % 5 == 0 ? 5 : 4; // whole numbers on every grid line
    for (int g = 0; g <= parts; g++) {
      double y = TOP + plotH - plotH * g / parts;
      h.append(
              String.format(
                  Locale.ROOT,
                  "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eef1f5\"/>",
                  LEFT,
                  y,
                  LEFT + plotW,
                  y))
          .append(
              String.format(
                  Locale.ROOT,
                  "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\""
                      + " fill=\"#5b6475\">%s</text>\n",
                  LEFT - 4,
                  y + 3,
                  Report.n(max * g / parts)));
    }
    h.append("<path class=\"requests\" fill=\"#90b4e8\" d=\"")
        .append(area(seen, max, plotW, plotH))
        .append("\"/>\n<path class=\"denied\" fill=\"#d32f2f\" fill-opacity=\"0.85\" d=\"")
        .append(area(denied, max, plotW, plotH))
        .append("\"/>\n");
    h.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#8a93a3\"/>\n",
            LEFT,
            TOP + plotH,
            LEFT + plotW,
            TOP + plotH));
    for (int k = 0; k <= 4; k++) {
      long minute = from + (long) ((minutes - 1) * k / 4.0);
      double x = LEFT + plotW * k / 4;
      h.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"%s\""
                  + " fill=\"#5b6475\">%s</text>\n",
              x,
              H - 6,
              k == 0 ? "start" : k == 4 ? "end" : "middle",
              Report.time(minute * 60_000_000L).substring(11, 16)));
    }
    h.append("</svg></div>\n");
  }

  /** A step area over {@code v}, one step per minute, scaled to {@code max}. */
  private static String area(long[] v, long max, double plotW, double plotH) {
    StringBuilder d = new StringBuilder();
    double base = TOP + plotH;
    double step = plotW / v.length;
    d.append(String.format(Locale.ROOT, "M%.1f %.1f", (double) LEFT, base));
    for (int i = 0; i < v.length; i++) {
      double y = base - plotH * v[i] / max;
      d.append(String.format(Locale.ROOT, "V%.1fH%.1f", y, LEFT + step * (i + 1)));
    }
    d.append(String.format(Locale.ROOT, "V%.1fZ", base));
    return d.toString();
  }

  /** 1, 2 or 5 times a power of ten, at least {@code v}. */
  static long niceCeiling(long v) {
    long p = 1;
    while (true) {
      for (long m : new long[] {1, 2, 5}) {
        if (m * p >= v) {
          return m * p;
        }
      }
      p *= 10;
    }
  }

  private void rulesTable(PolicyReplay p, String id) {
    h.append("<table id=\"")
        .append(id)
        .append("\"><tr><th>Rule / limit</th><th>Route</th><th>Key</th>")
        .append("<th class=\"num\">Seen</th><th class=\"num\">Allowed</th>")
        .append("<th class=\"num\">Denied</th><th class=\"num\">Denied %</th>")
        .append("<th>Peak minute (UTC)</th></tr>\n");
    for (Tally.RuleTally r : p.tally.rules.values()) {
      Map.Entry<Long, long[]> peak = r.peak();
      h.append("<tr class=\"rule\" data-rule=\"")
          .append(esc(r.rule.name()))
          .append("\"><td><b>")
          .append(esc(r.rule.name()))
          .append("</b>")
          .append(r.rule.shadow() ? " (shadow)" : "")
          .append("</td><td><code>")
          .append(esc(r.rule.route() == null ? "every request" : r.rule.route().toString()))
          .append("</code></td><td>")
          .append(esc(r.rule.key().describe()))
          .append("</td>");
      nums(r.seen, r.allowed(), r.denied);
      h.append("<td>");
      if (peak != null) {
        h.append(Report.time(peak.getKey()).substring(0, 16))
            .append(": ")
            .append(Report.n(peak.getValue()[0]))
            .append(" requests, ")
            .append(Report.n(peak.getValue()[1]))
            .append(" denied");
      }
      h.append("</td></tr>\n");
      for (Tally.LimitTally l : r.limits.values()) {
        h.append("<tr class=\"limit\"><td>")
            .append(esc(l.limit.name()))
            .append("</td><td colspan=\"2\">")
            .append(esc(l.limit.summary()))
            .append("</td>");
        nums(l.seen, l.seen - l.denied, l.denied);
        h.append("<td></td></tr>\n");
      }
    }
    h.append("</table>\n");
  }

  private void nums(long seen, long allowed, long denied) {
    h.append("<td class=\"num seen\">")
        .append(Report.n(seen))
        .append("</td><td class=\"num allowed\">")
        .append(Report.n(allowed))
        .append("</td><td class=\"num denied\">")
        .append(Report.n(denied))
        .append("</td><td class=\"num\">")
        .append(Report.pct(denied, seen))
        .append("</td>");
  }

  private void identities(Tally t) {
    List<Tally.IdentityTally> ids = t.topIdentities(report.top);
    h.append("<h2>Identities that would be limited</h2>\n");
    if (ids.isEmpty()) {
      h.append("<p>None: no identity would be denied a request.</p>\n");
      return;
    }
    h.append("<p class=\"sub\">")
        .append(Report.n(t.identities.size()))
        .append(t.identities.size() == 1 ? " identity would" : " identities would")
        .append(" be denied at least once")
        .append(t.identities.size() > ids.size() ? "; the " + ids.size() + " denied most:" : ":")
        .append("</p>\n");
    int bars = Math.min(ids.size(), 10);
    long max = ids.get(0).denied;
    int rowH = 22;
    int labelW = 250;
    int barW = W + 200 - labelW - 70;
    h.append("<svg id=\"top-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(W + 200)
        .append("\" height=\"")
        .append(bars * rowH + 6)
        .append("\" role=\"img\"><title>The identities denied most</title>\n");
    for (int i = 0; i < bars; i++) {
      Tally.IdentityTally id = ids.get(i);
      int y = i * rowH + 3;
      double w = Math.max(2, barW * (double) id.denied / max);
      h.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\""
                  + " font-family=\"monospace\">%s %s</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\""
                  + " height=\"%d\" fill=\"#d32f2f\" rx=\"2\"/><text x=\"%.1f\" y=\"%d\""
                  + " font-size=\"12\">%s</text>\n",
              labelW - 6,
              y + 14,
              Sluice.fingerprintText(id.fingerprint),
              esc(id.rule),
              labelW,
              y + 2,
              w,
              rowH - 6,
              labelW + w + 4,
              y + 14,
              Report.n(id.denied)));
    }
    h.append("</svg>\n");
    h.append("<table id=\"identities\"><tr><th>Fingerprint</th><th>Rule</th>")
        .append("<th class=\"num\">Denied</th><th>First denial (UTC)</th>")
        .append("<th class=\"num\">Line</th><th>Binding limit</th></tr>\n");
    for (Tally.IdentityTally id : ids) {
      h.append("<tr data-identity=\"")
          .append(Sluice.fingerprintText(id.fingerprint))
          .append("\"><td class=\"fp\">")
          .append(Sluice.fingerprintText(id.fingerprint))
          .append("</td><td>")
          .append(esc(id.rule))
          .append("</td><td class=\"num denied\">")
          .append(Report.n(id.denied))
          .append("</td><td>")
          .append(Report.time(id.firstDeniedMicros))
          .append("</td><td class=\"num\">")
          .append(id.firstDeniedLine)
          .append("</td><td>")
          .append(esc(id.binding))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  private void diff() {
    h.append("<h2>Against ")
        .append(esc(sim.against.file.toString()))
        .append("</h2>\n<p>")
        .append("<span class=\"bad\"><b>")
        .append(Report.n(sim.newlyDenied))
        .append("</b> requests newly denied</span>, <span class=\"good\"><b>")
        .append(Report.n(sim.newlyAllowed))
        .append("</b> newly allowed</span>, going from ")
        .append(esc(sim.against.file.toString()))
        .append(" to ")
        .append(esc(sim.policy.file.toString()))
        .append(".</p>\n<table id=\"diff\"><tr><th>Rule</th><th class=\"num\">Newly denied</th>")
        .append("<th class=\"num\">Newly allowed</th></tr>\n");
    for (Map.Entry<String, long[]> e : sim.diffByRule.entrySet()) {
      h.append("<tr data-rule=\"")
          .append(esc(e.getKey()))
          .append("\"><td>")
          .append(esc(e.getKey()))
          .append("</td><td class=\"num newly-denied\">")
          .append(Report.n(e.getValue()[0]))
          .append("</td><td class=\"num newly-allowed\">")
          .append(Report.n(e.getValue()[1]))
          .append("</td></tr>\n");
    }
    h.append("</table>\n<h3>").append(esc(sim.against.file.toString())).append(" alone</h3>\n");
    rulesTable(sim.against, "against-rules");
  }
}
