package dev.sluice.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;

/**
 * A log event as one JSON object on one line: {@code time} (ISO-8601, UTC, milliseconds), {@code
 * level}, {@code logger}, {@code thread}, {@code message} (formatted), and {@code exception} (its
 * stack trace as text, line feeds escaped) when there is one:
 *
 * <pre>{@code
 * {"time":"2026-12-07T21:50:01.123Z","level":"WARN","logger":"sluice.gateway","thread":"main",
 *  "message":"the rate-limit store failed ..."}
 * }</pre>
 *
 * Smaller than Logback's {@code JsonEncoder}, whose objects carry the context, sequence numbers and
 * arguments, and whose time is a number: this one is what a log collector (Loki, Elasticsearch,
 * CloudWatch) indexes without a pipeline.
 */
public final class JsonLineLayout extends LayoutBase<ILoggingEvent> {
  private final JsonFactory json = new JsonFactory();

  @Override
  public String doLayout(ILoggingEvent event) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
      g.writeStringField("level", event.getLevel().toString());
      g.writeStringField("logger", event.getLoggerName());
      g.writeStringField("thread", event.getThreadName());
      g.writeStringField("message", event.getFormattedMessage());
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null) {
        g.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
      }
      g.writeEndObject();
    } catch (IOException e) { // a StringWriter does not fail; the line is still written
      return "{\"message\":\"a log line could not be written as JSON\"}\n";
    }
    return out.append('\n').toString();
  }
}
