package dev.sluice.server.gateway;

import dev.sluice.server.logging.LogSetup;
import java.io.IOException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Makes logging safe to call when the process is short of descriptors or memory.
 *
 * <p>Found by an attacker: with every descriptor in use, Netty logged a failed accept, the log
 * formatter asked for the time zone for the first time, the JDK could not open {@code tzdb.dat},
 * and the {@code NoClassDefFoundError} ended the proxy's accepting thread for good. So, at
 * start-up: the time-zone data is read, every handler's formatter formats a record with parameters
 * and a stack trace once (loading what it lazily loads), and each formatter is wrapped so that a
 * failure to format becomes a plain line rather than an exception in the caller. The messages of
 * {@link System.Logger} and SLF4J end in Logback: its layouts are warmed up the same way ({@link
 * LogSetup#warmUp}); what still uses {@code java.util.logging} directly gets the guarded formatter.
 */
final class SafeLogging {
  private static boolean installed;

  private SafeLogging() {}

  /** Prepares the logging of this process, once. */
  static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    ZonedDateTime.now(ZoneId.systemDefault()).getOffset(); // reads tzdb.dat now, not on an error
    LogSetup.warmUp(); // Logback's layouts, where System.Logger's messages end
    Logger root = LogManager.getLogManager().getLogger("");
    if (root == null) {
      return;
    }
    for (Handler h : root.getHandlers()) {
      Formatter f = h.getFormatter();
      if (f != null && !(f instanceof Guarded)) {
        Guarded g = new Guarded(f);
        g.warmUp();
        h.setFormatter(g);
      }
    }
    // The loggers the error paths use, made now.
    System.getLogger("sluice.gateway").isLoggable(System.Logger.Level.INFO);
    io.netty.util.internal.logging.InternalLoggerFactory.getInstance(SafeLogging.class);
  }

  /** A formatter that never throws: when its delegate fails, a bare line without a date. */
  static final class Guarded extends Formatter {
    private final Formatter delegate;

    Guarded(Formatter delegate) {
      this.delegate = delegate;
    }

    @Override
    public String format(LogRecord record) {
      try {
        return delegate.format(record);
      } catch (Throwable t) { // whatever failed, the line is still written
        try {
          Throwable thrown = record.getThrown();
          return record.getMillis()
              + " "
              + record.getLevel().getName()
              + " "
              + record.getLoggerName()
              + ": "
              + record.getMessage()
              + (thrown == null ? "" : " " + thrown)
              + System.lineSeparator();
        } catch (Throwable again) {
          return "";
        }
      }
    }

    @Override
    public String getHead(Handler h) {
      return delegate.getHead(h);
    }

    @Override
    public String getTail(Handler h) {
      return delegate.getTail(h);
    }

    void warmUp() {
      LogRecord r = new LogRecord(Level.WARNING, "warm-up {0}");
      r.setParameters(new Object[] {"of the log formatter"});
      r.setLoggerName("sluice.gateway");
      IOException e = new IOException("warm-up", new IllegalStateException("cause"));
      e.addSuppressed(new IllegalArgumentException("suppressed"));
      r.setThrown(e);
      format(r);
      format(new LogRecord(Level.INFO, "warm-up"));
    }
  }
}
