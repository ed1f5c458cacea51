package dev.sluice.server.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * On an HTTP/2 stream, splits a request that came whole (a HEADERS frame ending the stream) into
 * its head and its end, as the HTTP/1.1 codec delivers every request: {@link ProxyConnection}
 * forwards the head as it is and streams the body, and takes a whole message for one its decoder
 * could not read.
 */
@ChannelHandler.Sharable
final class Http2RequestSplitter extends ChannelInboundHandlerAdapter {
  static final Http2RequestSplitter INSTANCE = new Http2RequestSplitter();

  private Http2RequestSplitter() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest full)) {
      ctx.fireChannelRead(msg);
      return;
    }
    DefaultHttpRequest head =
        new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
    head.setDecoderResult(full.decoderResult());
    ctx.fireChannelRead(head);
    ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
  }
}
