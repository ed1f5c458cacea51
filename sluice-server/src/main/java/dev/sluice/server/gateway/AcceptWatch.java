package dev.sluice.server.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The proxy's listening channel's own handler: takes every failure to accept (no descriptor left,
 * EMFILE or ENFILE; no memory for the connection), counts and logs it (at most every 10 s), and
 * pauses accepting for {@link #PAUSE_MS} before trying again, as Netty's acceptor does, so a
 * process out of descriptors neither spins nor dies; when descriptors are free again, the waiting
 * connections are accepted. Nothing reaches the end of the pipeline, whose logging was what ended
 * the accepting thread.
 *
 * <p>It also says whether the proxy can accept ({@link #problem}), for {@code /healthz}.
 */
@ChannelHandler.Sharable
final class AcceptWatch extends ChannelInboundHandlerAdapter {
  /** How long accepting pauses after a failure. */
  static final long PAUSE_MS = 100;

  /** Accepting that has failed, with no success, for this long makes the proxy unhealthy. */
  static final long FAILING_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** ...as long as the last failure is this recent (the pause retries every 100 ms). */
  static final long RECENT_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final GatewayMetrics metrics;
  private final LongSupplier nanoTime;
  private final BoundedLog log = new BoundedLog(10);

  /** When accepting began to fail, with no success since; 0 when it did not. */
  private volatile long failingSince;

  private volatile long lastFailure;
  private volatile String lastCause = "";
  private volatile Channel listener;

  AcceptWatch(GatewayMetrics metrics, LongSupplier nanoTime) {
    this.metrics = metrics;
    this.nanoTime = nanoTime;
  }

  /** The listening channel watched. */
  void watch(Channel listener) {
    this.listener = listener;
  }

  /** A connection was accepted: accepting works. */
  void accepted() {
    if (failingSince != 0) {
      failingSince = 0;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    failed(cause);
    ChannelConfig config = ctx.channel().config();
    if (config.isAutoRead()) {
      config.setAutoRead(false);
      try {
        ctx.executor().schedule(() -> resume(config), PAUSE_MS, TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) { // the loop is shutting down: nothing to resume
        config.setAutoRead(true);
      }
    }
  }

  private static void resume(ChannelConfig config) {
    config.setAutoRead(true);
  }

  /** Accepting failed with {@code cause}. */
  void failed(Throwable cause) {
    long now = nanoTime.getAsLong();
    if (failingSince == 0) {
      failingSince = now == 0 ? 1 : now;
    }
    lastFailure = now;
    lastCause = String.valueOf(cause);
    metrics.acceptFailed();
    log.log(
        Level.WARNING,
        "the proxy could not accept a connection: "
            + cause
            + "; accepting pauses for "
            + PAUSE_MS
            + " ms and resumes by itself",
        null);
  }

  /**
   * Why the proxy cannot accept connections now, or {@code null} when it can: its listening channel
   * is closed, the event loop accepting for it has ended, or accepting has failed for {@link
   * #FAILING_NANOS} with no success and still fails.
   */
  String problem() {
    Channel l = listener;
    if (l == null) {
      return null;
    }
    if (!l.isOpen()) {
      return "the proxy's listening socket is closed";
    }
    EventExecutor loop = l.eventLoop();
    if (loop.isShuttingDown()) {
      return "the proxy's accepting event loop has stopped";
    }
    long since = failingSince;
    long now = nanoTime.getAsLong();
    if (since != 0 && now - since >= FAILING_NANOS && now - lastFailure < RECENT_NANOS) {
      return "the proxy has failed to accept connections for "
          + TimeUnit.NANOSECONDS.toSeconds(now - since)
          + " s: "
          + lastCause;
    }
    return null;
  }
}
