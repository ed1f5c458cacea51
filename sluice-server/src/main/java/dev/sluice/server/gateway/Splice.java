package dev.sluice.server.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One side of two connections joined byte for byte: what one reads, the other writes, untouched.
 * The gateway splices a client and the upstream once a WebSocket handshake succeeds; from then on
 * it neither parses nor times what they say to each other.
 *
 * <p>Back-pressure: when the side written to cannot take more ({@code isWritable} false, its
 * outbound buffer over the high water mark), this side stops reading; when it drains below the low
 * water mark, its own splice turns this side's reading back on. So a fast sender is held to the
 * pace of a slow receiver, and the gateway buffers at most about one water mark per direction.
 *
 * <p>Closing: when either side closes, what was read from it is flushed to the other, which is then
 * closed. No idle timeout applies (WebSocket peers keep their connections alive with pings of their
 * own); TCP keep-alive is turned on, so a peer that vanished is found by the system.
 */
final class Splice extends ChannelInboundHandlerAdapter {
  private final Channel peer;

  /** Whether both codecs are out, so what is read may be relayed. */
  private boolean opened;

  /** What was read before that. */
  private ArrayDeque<Object> early;

  private Splice(Channel peer) {
    this.peer = peer;
  }

  /**
   * Joins {@code client} and {@code upstream}, both on one event loop, removing from each pipeline
   * the handlers in {@code clientHttp} and {@code upstreamHttp} (those present), in that order, so
   * that bytes a codec held are handed on to the splice.
   */
  static void join(
      Channel client, List<Class<?>> clientHttp, Channel upstream, List<Class<?>> upstreamHttp) {
    // Both splices go in before any codec comes out: removing a codec hands on the bytes it
    // held, and those wait in the splice until the other side's codec is gone too.
    Splice toUpstream = new Splice(upstream);
    Splice toClient = new Splice(client);
    client.pipeline().addLast(toUpstream);
    upstream.pipeline().addLast(toClient);
    removeAll(client.pipeline(), clientHttp);
    removeAll(upstream.pipeline(), upstreamHttp);
    toUpstream.open(client);
    toClient.open(upstream);
  }

  private static void removeAll(ChannelPipeline p, List<Class<?>> http) {
    for (Class<?> c : http) {
      @SuppressWarnings("unchecked")
      ChannelHandler h = p.get((Class<? extends ChannelHandler>) c);
      if (h != null) {
        p.remove(h);
      }
    }
  }

  /** Starts relaying: what was read while the codecs came out goes first. */
  private void open(Channel self) {
    opened = true;
    if (early != null) {
      Object msg;
      while ((msg = early.poll()) != null) {
        relay(self, msg);
      }
      early = null;
      peer.flush();
    }
    if (!self.isActive()) { // it closed while the codecs came out: no inactive event will come
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    self.config().setOption(ChannelOption.SO_KEEPALIVE, true);
    self.config().setAutoRead(peer.isWritable());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!opened) {
      if (early == null) {
        early = new ArrayDeque<>(2);
      }
      early.add(msg);
      return;
    }
    relay(ctx.channel(), msg);
  }

  private void relay(Channel self, Object msg) {
    if (!peer.isActive()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    peer.write(msg, peer.voidPromise());
    if (!peer.isWritable()) {
      self.config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    peer.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // This side drained (or filled): the peer's reading, which fills it, follows.
    peer.config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (early != null) {
      early.forEach(ReferenceCountUtil::release);
      early = null;
    }
    if (peer.isActive()) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A reset or a TLS failure on this side: both go; the peer learns of it by the close.
    ctx.close();
  }
}
