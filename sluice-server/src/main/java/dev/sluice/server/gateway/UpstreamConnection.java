package dev.sluice.server.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One keep-alive connection to the upstream, and the end of the pipeline that reads its answers: it
 * relays what the upstream sends to the client connection whose forward it carries ({@link
 * ProxyConnection}), and reports the upstream closing, failing or falling silent to it.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {
  /** The upstream said nothing for the upstream timeout. */
  private static final TimeoutException SILENT =
      new TimeoutException("the upstream was silent") {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Throwable fillInStackTrace() {
          return this;
        }
      };

  private final UpstreamPool pool;
  private final long silenceNanos;
  private Channel channel;

  /**
   * When the upstream last sent something, a forward last began, or the client's body last went to
   * the upstream (the event loop's ticker).
   */
  private long lastHeard;

  /** The client connection whose forward this carries; null while idle. */
  private ProxyConnection front;

  /** The client connection to flush at the end of this read. */
  private ProxyConnection toFlush;

  /** Inside a 1xx answer, which is not relayed: the final answer follows it. */
  private boolean informational;

  /** Whether the upstream allows another request on this connection after this answer. */
  private boolean reusable;

  /** The answer ended in this read: back to the pool at its end, unless the upstream says more. */
  private boolean pooledAfterRead;

  /**
   * @param silenceNanos how long the upstream may send nothing while a forward waits on it (504, or
   *     a reset mid-body), or while the connection is idle (closed)
   */
  UpstreamConnection(UpstreamPool pool, long silenceNanos) {
    this.pool = pool;
    this.silenceNanos = silenceNanos;
  }

  Channel channel() {
    return channel;
  }

  /** Carries {@code front}'s forward from now on. */
  void attach(ProxyConnection front) {
    this.front = front;
    this.informational = false;
    this.lastHeard = now();
  }

  /**
   * A piece of the client's body went to the upstream. The upstream's silence is counted from here
   * too: an upstream may read a whole upload before it answers, and an upload slower than the
   * upstream timeout is not the upstream's silence.
   */
  void bodySent() {
    lastHeard = now();
  }

  /** The event loop's time: System.nanoTime, or a test's frozen clock on an embedded channel. */
  private long now() {
    return channel.eventLoop().ticker().nanoTime();
  }

  /** Carries no forward any more (the forward is over, or abandoned and this connection closed). */
  void detach() {
    front = null;
  }

  boolean reusable() {
    return reusable;
  }

  /**
   * Goes back to the pool once the current read is over: whatever else that read holds was never
   * asked for, and must not become the answer to the next request sent on this connection.
   */
  void releaseAfterRead() {
    pooledAfterRead = true;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    lastHeard = now();
    ctx.executor().schedule(this::checkSilence, silenceNanos, TimeUnit.NANOSECONDS);
    ctx.fireChannelActive();
  }

  /**
   * The silence timer: one scheduled check per connection, re-armed for the time left rather than
   * moved on every read or write (as Netty's IdleStateHandler does for writes, at the cost of a
   * listener on each one).
   */
  private void checkSilence() {
    if (!channel.isActive()) {
      return;
    }
    long silent = now() - lastHeard;
    if (silent < silenceNanos) {
      channel.eventLoop().schedule(this::checkSilence, silenceNanos - silent, TimeUnit.NANOSECONDS);
      return;
    }
    ProxyConnection f = front;
    front = null;
    channel.close();
    if (f != null && !channel.config().isAutoRead()) {
      // Not the upstream's silence: reads were paused because the client took nothing of the
      // answer for the whole timeout. The client's connection is closed; no upstream error.
      f.clientStalled();
    } else if (f != null) {
      f.upstreamFailed(SILENT, false);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ProxyConnection f = front;
    if (f == null) { // nothing was asked: an idle connection the upstream talks on is not reusable
      ReferenceCountUtil.release(msg);
      pooledAfterRead = false;
      ctx.close();
      return;
    }
    if (msg instanceof HttpResponse response) {
      if (response.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        fail(ctx, f, response.decoderResult().cause());
        return;
      }
      int status = response.status().code();
      if (status >= 100 && status < 200) { // 100 Continue, 103 Early Hints: the answer follows
        informational = true;
        ReferenceCountUtil.release(msg);
        return;
      }
      reusable = HttpUtil.isKeepAlive(response);
      toFlush = f;
      f.responseHead(response);
      return;
    }
    if (msg instanceof HttpContent content) {
      if (informational) {
        informational = !(content instanceof LastHttpContent);
        content.release();
        return;
      }
      if (content.decoderResult().isFailure()) {
        content.release();
        fail(ctx, f, content.decoderResult().cause());
        return;
      }
      toFlush = f;
      f.responseContent(content, this);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  private void fail(ChannelHandlerContext ctx, ProxyConnection f, Throwable cause) {
    front = null;
    ctx.close();
    f.upstreamFailed(cause, false);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    lastHeard = now();
    if (pooledAfterRead) {
      pooledAfterRead = false;
      ctx.channel().config().setAutoRead(true);
      pool.release(this);
    }
    ProxyConnection f = toFlush;
    if (f != null) {
      toFlush = null;
      f.flush();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    ProxyConnection f = front;
    if (f != null) {
      f.upstreamWritabilityChanged(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    pool.remove(this);
    ProxyConnection f = front;
    front = null;
    if (f != null) {
      f.upstreamFailed(new IOException("the upstream closed the connection"), false);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A reset, a TLS failure: the close that follows reports it to the forward, if any.
    ProxyConnection f = front;
    front = null;
    ctx.close();
    if (f != null) {
      f.upstreamFailed(cause, false);
    }
  }
}
