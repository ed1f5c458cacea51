package dev.sluice.server.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A WebSocket handshake on its way to the upstream, over a connection of its own: WebSocket
 * connections are long-lived and never return to the keep-alive pool, so one is never taken from it
 * either. The end of that connection's pipeline until the upstream answers the handshake:
 *
 * <ul>
 *   <li>{@code 101 Switching Protocols}: the client gets it (with the rate-limit headers of the
 *       handshake's decision), and both connections are {@linkplain Splice spliced};
 *   <li>any other answer (a 403, a 400 for a bad key, a 404): the client gets it as a normal
 *       answer, read whole up to {@value #MAX_REFUSAL_BYTES} bytes, and this connection closes;
 *   <li>no answer within the upstream timeout, a refused connection, a close or a broken answer:
 *       the client gets a 504 or a 502, as for any forward.
 * </ul>
 *
 * The handshake was decided, and counted, once, like any request of its route; what crosses the
 * spliced connections afterwards is not looked at.
 */
final class WebSocketTunnel extends ChannelInboundHandlerAdapter {
  /** The largest refusal the upstream may send back for a handshake; more is a broken answer. */
  static final int MAX_REFUSAL_BYTES = 64 * 1024;

  /** The upstream did not answer the handshake in time. */
  private static final TimeoutException SILENT =
      new TimeoutException("the upstream did not answer the WebSocket handshake") {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Throwable fillInStackTrace() {
          return this;
        }
      };

  private final ProxyConnection front;
  private final HttpRequest request;
  private final long timeoutNanos;
  private Channel channel;
  private ScheduledFuture<?> timer;

  /** Whether the front was told how this ended: it is told once. */
  private boolean done;

  private WebSocketTunnel(ProxyConnection front, HttpRequest request, long timeoutNanos) {
    this.front = front;
    this.request = request;
    this.timeoutNanos = timeoutNanos;
  }

  /**
   * Whether {@code r} asks to become a WebSocket (RFC 6455 section 4.1): an HTTP/1.1 GET with
   * {@code Upgrade: websocket} and {@code Connection: upgrade}, and no body. Any other {@code
   * Upgrade} (h2c, say) is not one, and is stripped as a hop-by-hop header.
   */
  static boolean isUpgrade(HttpRequest r) {
    HttpHeaders h = r.headers();
    return r.method().equals(HttpMethod.GET)
        && r.protocolVersion().equals(HttpVersion.HTTP_1_1)
        && h.containsValue(HttpHeaderNames.UPGRADE, "websocket", true)
        && h.containsValue(HttpHeaderNames.CONNECTION, "upgrade", true)
        && !HttpUtil.isTransferEncodingChunked(r)
        && HttpUtil.getContentLength(r, 0L) == 0;
  }

  /**
   * Sends handshake {@code request} (its headers ready to forward) to the upstream over a new
   * connection from {@code pool}; {@code front} hears how it ends.
   *
   * @param timeoutNanos how long the upstream may take to answer the handshake, once connected
   */
  static WebSocketTunnel open(
      ProxyConnection front, UpstreamPool pool, HttpRequest request, long timeoutNanos) {
    WebSocketTunnel t = new WebSocketTunnel(front, request, timeoutNanos);
    var connecting = pool.connectDedicated(t);
    t.channel = connecting.channel();
    connecting.addListener(
        f -> {
          if (!f.isSuccess()) {
            t.failed(f.cause(), true);
          }
        });
    return t;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (request instanceof LastHttpContent) { // read whole for a body key
      ctx.writeAndFlush(request);
    } else {
      ctx.write(request);
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    timer =
        ctx.executor().schedule(() -> failed(SILENT, false), timeoutNanos, TimeUnit.NANOSECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (done || !(msg instanceof FullHttpResponse response)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    done = true;
    cancelTimer();
    if (response.decoderResult().isFailure()) {
      Throwable cause = response.decoderResult().cause();
      response.release();
      ctx.close();
      front.upstreamFailed(cause, false);
      return;
    }
    if (response.status().code() == 101) {
      front.upgraded(response, this);
    } else {
      ctx.close(); // a refused handshake's connection has nothing more to carry
      front.upgradeRefused(response);
    }
  }

  /** The upstream's side of the splice: this handler and the HTTP codecs leave its pipeline. */
  Channel channel() {
    return channel;
  }

  /**
   * The handlers of a client's pipeline that go once spliced, in the order to remove them: the
   * proxy's own first, the codec last (what it holds is handed on).
   */
  static List<Class<?>> clientHttpHandlers() {
    return List.of(
        ProxyConnection.class,
        ClientDeadlines.class,
        io.netty.handler.timeout.IdleStateHandler.class,
        io.netty.handler.codec.http.HttpServerUpgradeHandler.class, // if an h2c set-up put one in
        io.netty.handler.codec.http.HttpServerCodec.class);
  }

  /** The handlers of the upstream's pipeline that go once spliced, in the order to remove them. */
  static List<Class<?>> upstreamHttpHandlers() {
    return List.of(
        WebSocketTunnel.class,
        io.netty.handler.codec.http.HttpObjectAggregator.class,
        io.netty.handler.codec.http.HttpClientCodec.class);
  }

  private void failed(Throwable cause, boolean connecting) {
    if (done) {
      return;
    }
    done = true;
    cancelTimer();
    if (channel != null) {
      channel.close();
    }
    front.upstreamFailed(cause, connecting);
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    failed(new IOException("the upstream closed the connection"), false);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A reset, a TLS failure, an answer over MAX_REFUSAL_BYTES: a 502, the connection closed.
    failed(cause, false);
  }

  /** The client left, or the gateway is stopping, before the upstream answered. */
  void abandon() {
    done = true;
    cancelTimer();
    if (channel != null) {
      channel.close();
    }
  }
}
