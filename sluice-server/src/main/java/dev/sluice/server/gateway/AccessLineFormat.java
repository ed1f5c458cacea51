package dev.sluice.server.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.Sluice;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Writes an {@link AccessEntry} as a line of the access log, on the log's thread (not thread-safe:
 * it keeps its buffers and the redaction of the last policy seen).
 *
 * <p>{@code combined}, nginx's format with Sluice's fields after the user agent (which readers of
 * the format ignore, {@code sluice simulate} included):
 *
 * <pre>
 * 203.0.113.7 - - [07/Dec/2026:21:50:01 +0000] "GET /v1/items HTTP/1.1" 200 512 "-" "curl/8.5"
 *   rule=per-key outcome=allowed identity=fp:9f2c6a01d4e3b7a5 decision_us=4 upstream_us=1250
 *   total_us=1301
 * </pre>
 *
 * (one line). {@code json}: {@code {"time":"2026-12-07T21:50:01.123Z","client":"203.0.113.7",
 * "method":"GET","path":"/v1/items","protocol":"HTTP/1.1","status":200,"bytes":512,
 * "decision_us":4,"upstream_us":1250,"total_us":1301,"rule":"per-key","outcome":"allowed",
 * "identity":"fp:9f2c6a01d4e3b7a5","headers":{"user-agent":"curl/8.5"}}}, fields without a value
 * left out; {@code headers} is what {@code sluice simulate} reads headers from. Times are UTC.
 * Every text is escaped (a CR or LF in a path cannot forge a line): in {@code combined} as nginx
 * does, {@code \xHH}; in JSON as JSON does.
 */
final class AccessLineFormat {
  private static final DateTimeFormatter COMBINED_TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH)
          .withZone(ZoneOffset.UTC);
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final AccessLog.Format format;
  private final AccessLog.Client client;
  private final JsonFactory json =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();
  private final StringWriter buffer = new StringWriter(512);
  private AccessRedaction redaction;

  AccessLineFormat(AccessLog.Format format, AccessLog.Client client) {
    this.format = format;
    this.client = client;
  }

  /** Appends the line of {@code e}, with its line feed, to {@code out}. */
  void append(AccessEntry e, StringBuilder out) {
    Sluice engine = e.engine();
    AccessRedaction r = redaction;
    if (engine != null && (r == null || !r.isFor(engine.policy()))) {
      redaction = r = AccessRedaction.of(engine.policy());
    }
    String path = r == null ? e.path() : r.path(e.path());
    String referer = header(r, "referer", withoutQuery(e.referer()));
    String agent = header(r, "user-agent", e.userAgent());
    String who = clientOf(e);
    Decision d = e.decision();
    LimitStatus binding = d == null ? null : d.binding();
    String rule = binding == null ? null : binding.rule();
    String outcome = d == null ? null : d.outcome().name().toLowerCase(Locale.ROOT);
    long fingerprint = fingerprintOf(d, rule);
    if (format == AccessLog.Format.COMBINED) {
      combined(e, who, path, referer, agent, rule, outcome, fingerprint, out);
    } else {
      json(e, who, path, referer, agent, rule, outcome, fingerprint, out);
    }
  }

  /** The fingerprint of the identity {@code rule} counted, or 0. */
  private static long fingerprintOf(Decision d, String rule) {
    if (rule == null) {
      return 0;
    }
    for (Decision.Bucket b : d.buckets()) {
      if (!b.shadow() && b.rule().equals(rule)) {
        return b.fingerprint();
      }
    }
    return 0;
  }

  private String clientOf(AccessEntry e) {
    if (e.client() == null) {
      return null;
    }
    if (client == AccessLog.Client.FINGERPRINT && e.engine() != null) {
      return "fp:" + Sluice.fingerprintText(e.engine().fingerprint(e.client()));
    }
    return e.client();
  }

  private static String header(AccessRedaction r, String name, String value) {
    return r != null && r.hidesHeader(name) ? null : value;
  }

  private static String withoutQuery(String url) {
    if (url == null) {
      return null;
    }
    int q = url.indexOf('?');
    int f = url.indexOf('#');
    int cut = q < 0 ? f : f < 0 ? q : Math.min(q, f);
    return cut < 0 ? url : url.substring(0, cut);
  }

  private static void combined(
      AccessEntry e,
      String who,
      String path,
      String referer,
      String agent,
      String rule,
      String outcome,
      long fingerprint,
      StringBuilder out) {
    escaped(who == null ? "-" : who, out);
    out.append(" - - [");
    COMBINED_TIME.formatTo(Instant.ofEpochMilli(e.startMillis()), out);
    out.append("] \"");
    escaped(e.method() == null ? "-" : e.method(), out);
    out.append(' ');
    escaped(path == null ? "-" : path, out);
    out.append(' ').append(e.protocol()).append("\" ").append(e.status()).append(' ');
    out.append(e.bytes()).append(" \"");
    escaped(referer == null ? "-" : referer, out);
    out.append("\" \"");
    escaped(agent == null ? "-" : agent, out);
    out.append("\" rule=");
    escaped(rule == null ? "-" : rule, out);
    out.append(" outcome=").append(outcome == null ? "-" : outcome);
    out.append(" identity=");
    if (fingerprint == 0) {
      out.append('-');
    } else {
      out.append("fp:").append(Sluice.fingerprintText(fingerprint));
    }
    micros(" decision_us=", e.decisionNanos(), out);
    micros(" upstream_us=", e.upstreamNanos(), out);
    micros(" total_us=", e.totalNanos(), out);
    out.append('\n');
  }

  private static void micros(String name, long nanos, StringBuilder out) {
    out.append(name);
    if (nanos < 0) {
      out.append('-');
    } else {
      out.append(nanos / 1_000);
    }
  }

  /**
   * {@code s} as nginx escapes a logged value: {@code "}, {@code \} and controls as {@code \xHH}.
   */
  private static void escaped(String s, StringBuilder out) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
        out.append("\\x").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
      } else {
        out.append(c);
      }
    }
  }

  private void json(
      AccessEntry e,
      String who,
      String path,
      String referer,
      String agent,
      String rule,
      String outcome,
      long fingerprint,
      StringBuilder out) {
    buffer.getBuffer().setLength(0);
    try (JsonGenerator g = json.createGenerator(buffer)) {
      g.writeStartObject();
      g.writeStringField("time", Instant.ofEpochMilli(e.startMillis()).toString());
      text(g, "client", who);
      text(g, "method", e.method());
      text(g, "path", path);
      g.writeStringField("protocol", e.protocol());
      g.writeNumberField("status", e.status());
      g.writeNumberField("bytes", e.bytes());
      number(g, "decision_us", e.decisionNanos());
      number(g, "upstream_us", e.upstreamNanos());
      g.writeNumberField("total_us", e.totalNanos() / 1_000);
      text(g, "rule", rule);
      text(g, "outcome", outcome);
      if (fingerprint != 0) {
        g.writeStringField("identity", "fp:" + Sluice.fingerprintText(fingerprint));
      }
      if (referer != null || agent != null) {
        g.writeObjectFieldStart("headers");
        text(g, "referer", referer);
        text(g, "user-agent", agent);
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException ex) { // a StringWriter does not fail
      throw new UncheckedIOException(ex);
    }
    out.append(buffer.getBuffer()).append('\n');
  }

  private static void text(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  private static void number(JsonGenerator g, String name, long nanos) throws IOException {
    if (nanos >= 0) {
      g.writeNumberField(name, nanos / 1_000);
    }
  }
}
