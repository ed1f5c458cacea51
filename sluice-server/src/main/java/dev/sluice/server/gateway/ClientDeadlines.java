package dev.sluice.server.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines a client must meet, in front of the HTTP codec, on the bytes as they arrive:
 *
 * <ul>
 *   <li><b>headers</b>: a request's complete headers within the header timeout, counted from the
 *       connection's start for its first request and from the first byte of each later one (the
 *       wait for that byte is the keep-alive idle timeout's business). A client trickling a byte
 *       now and then no longer keeps a connection: the deadline is not moved by reads.
 *   <li><b>body</b>: while the gateway waits for a request's body, no silence longer than the body
 *       timeout between two reads (nginx's {@code client_body_timeout}). The silence counts from
 *       the last read, or from when reading was last asked for: a body the gateway did not read
 *       (the upstream was not taking it) is not the client's silence.
 * </ul>
 *
 * When one passes, {@link Expired} goes down the pipeline, and {@link ProxyConnection} answers it.
 * One timer per connection, re-armed for the time left, rather than one per read. Time is the event
 * loop's ({@code ticker()}), so a test drives it on an {@code EmbeddedChannel} without sleeping.
 */
final class ClientDeadlines extends ChannelDuplexHandler {
  /** The event of a passed deadline. */
  enum Expired {
    HEADER,
    BODY
  }

  /** Whether the gateway is waiting for the rest of a request's body now. */
  interface BodyWait {
    boolean waitingForBody();
  }

  private final long headerNanos;
  private final long bodyNanos;
  private ChannelHandlerContext ctx;
  private BodyWait bodyWait = () -> false;

  /** Between the end of one request and the first byte of the next. */
  private boolean betweenRequests;

  /** A request's headers are awaited, due at {@link #headerDue}. */
  private boolean headerArmed;

  private long headerDue;

  /** Inside a request, before its end: its body may be awaited. */
  private boolean inRequest;

  /** The last read, or the last time reading was asked for. */
  private long lastActivity;

  private ScheduledFuture<?> timer;
  private long timerDue;

  ClientDeadlines(long headerNanos, long bodyNanos) {
    this.headerNanos = headerNanos;
    this.bodyNanos = bodyNanos;
  }

  /** Who says whether a body is awaited. */
  void bodyWait(BodyWait bodyWait) {
    this.bodyWait = bodyWait;
  }

  /** A request's headers were decoded: its header deadline is met. */
  void headReceived() {
    headerArmed = false;
    betweenRequests = false;
    inRequest = true;
    lastActivity = now();
    arm(lastActivity + bodyNanos);
  }

  /** A request's end was decoded: the next byte begins the next request's headers. */
  void requestEnded() {
    inRequest = false;
    betweenRequests = true;
  }

  private long now() {
    return ctx.executor().ticker().nanoTime();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive()) {
      start();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start();
    ctx.fireChannelActive();
  }

  private void start() {
    if (!headerArmed && !inRequest && !betweenRequests) {
      long now = now();
      lastActivity = now;
      armHeader(now);
    }
  }

  private void armHeader(long now) {
    headerArmed = true;
    headerDue = now + headerNanos;
    arm(headerDue);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    long now = now();
    lastActivity = now;
    if (betweenRequests && !headerArmed) {
      betweenRequests = false;
      armHeader(now);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    lastActivity = now();
    ctx.read();
  }

  /** Makes sure the timer runs at {@code due} or sooner. */
  private void arm(long due) {
    if (timer != null && timerDue <= due) {
      return;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    timerDue = due;
    timer = ctx.executor().schedule(this::check, Math.max(0, due - now()), TimeUnit.NANOSECONDS);
  }

  private void check() {
    timer = null;
    if (!ctx.channel().isActive()) {
      return;
    }
    long now = now();
    if (headerArmed && now - headerDue >= 0) {
      headerArmed = false;
      ctx.fireUserEventTriggered(Expired.HEADER);
    }
    if (inRequest && bodyWait.waitingForBody() && now - lastActivity >= bodyNanos) {
      inRequest = false;
      ctx.fireUserEventTriggered(Expired.BODY);
    }
    if (!ctx.channel().isActive()) {
      return;
    }
    long next = Long.MAX_VALUE;
    if (headerArmed) {
      next = headerDue;
    }
    if (inRequest) {
      // Not waiting for the body now (the upstream holds it up): looked at again a timeout later.
      long bodyDue = bodyWait.waitingForBody() ? lastActivity + bodyNanos : now + bodyNanos;
      next = next == Long.MAX_VALUE ? bodyDue : Math.min(next, bodyDue);
    }
    if (next != Long.MAX_VALUE) {
      arm(next);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    headerArmed = false;
    inRequest = false;
  }
}
