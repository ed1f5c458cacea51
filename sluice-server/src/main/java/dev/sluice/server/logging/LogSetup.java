package dev.sluice.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * How the server's own messages are written: to standard error, one line each, as text or as JSON.
 *
 * <p>The code logs with {@link System.Logger}; {@code slf4j-jdk-platform-logging} hands those
 * messages to SLF4J, where Netty's, Vert.x's and Lettuce's already are, and Logback writes them
 * all. Without a call here, the {@code logback.xml} on the class path applies: the {@link
 * #TEXT_PATTERN} text. A {@code -Dlogback.configurationFile=...} given by the operator wins over
 * both: {@link #configure} then leaves Logback as that file made it.
 *
 * <p>{@link #warmUp} formats a message with a stack trace through every appender once, at start-up:
 * the first use of a layout loads classes and the time-zone data, which a process out of
 * descriptors cannot do (see {@code SafeLogging}).
 */
public final class LogSetup {
  /** The text format: {@code 2026-12-07T21:50:01.123Z WARN sluice.gateway: message}. */
  public static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger: %msg%n";

  private LogSetup() {}

  /** The log format named {@code name}. */
  public enum Format {
    TEXT,
    JSON;

    /** {@code text} or {@code json}, or an error saying so. */
    public static Format parse(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "text" -> TEXT;
        case "json" -> JSON;
        default ->
            throw new IllegalArgumentException(
                "the log format is text or json, not '" + name + "'");
      };
    }
  }

  /**
   * Writes every message of this process in {@code format} to standard error, from now on; leaves
   * an operator's {@code logback.configurationFile} alone.
   */
  public static void configure(Format format) {
    if (System.getProperty("logback.configurationFile") != null
        || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    context.reset();
    Layout<ILoggingEvent> layout;
    if (format == Format.JSON) {
      layout = new JsonLineLayout();
    } else {
      PatternLayout text = new PatternLayout();
      text.setPattern(TEXT_PATTERN);
      layout = text;
    }
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("console");
    console.setTarget("System.err");
    console.setEncoder(encoder);
    console.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(console);
    warmUp();
  }

  /**
   * Formats a warning with a stack trace through the encoder of each appender of the root logger,
   * writing nothing: what a first real line would load is loaded now.
   */
  public static void warmUp() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    IOException e = new IOException("warm-up", new IllegalStateException("cause"));
    e.addSuppressed(new IllegalArgumentException("suppressed"));
    LoggingEvent event =
        new LoggingEvent(
            LogSetup.class.getName(),
            root,
            Level.WARN,
            "warm-up {}",
            e,
            new Object[] {"of the log format"});
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out) {
        Encoder<ILoggingEvent> encoder = out.getEncoder();
        if (encoder != null) {
          try {
            encoder.encode(event);
          } catch (RuntimeException | LinkageError ex) { // a broken layout shows on its first line
            // nothing to warm
          }
        }
      }
    }
  }
}
