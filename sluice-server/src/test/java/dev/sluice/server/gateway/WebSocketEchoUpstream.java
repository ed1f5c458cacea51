package dev.sluice.server.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A real WebSocket server on a free loopback port, on Netty's own WebSocket protocol handler:
 * {@code /echo} echoes every text and binary message; {@code /close} closes (with status 4001)
 * after the first message; any other path refuses the handshake with a 403 and a body. It records
 * the handshakes it received, and when a client's connection closed.
 */
final class WebSocketEchoUpstream implements AutoCloseable {
  final List<FullHttpRequest> handshakes = new CopyOnWriteArrayList<>();
  final CountDownLatch clientClosed = new CountDownLatch(1);
  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;

  WebSocketEchoUpstream() {
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.closeFuture().addListener(f -> clientClosed.countDown());
                    ch.pipeline()
                        .addLast(
                            new HttpServerCodec(),
                            new HttpObjectAggregator(1 << 20),
                            new Recorder(),
                            new WebSocketServerProtocolHandler(
                                WebSocketServerProtocolConfig.newBuilder()
                                    .websocketPath("/")
                                    .checkStartsWith(true)
                                    .maxFramePayloadLength(1 << 24)
                                    .build()),
                            new Frames());
                  }
                })
            .bind("127.0.0.1", 0)
            .syncUninterruptibly()
            .channel();
  }

  String url() {
    return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Records each request, and refuses those for paths that are no WebSocket endpoint. */
  private final class Recorder extends SimpleChannelInboundHandler<FullHttpRequest> {
    Recorder() {
      super(false);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      handshakes.add(req.copy());
      String path = req.uri();
      if (path.startsWith("/echo") || path.startsWith("/close")) {
        ctx.fireChannelRead(req);
        return;
      }
      req.release();
      byte[] body = "{\"error\": \"no socket here\"}".getBytes(StandardCharsets.UTF_8);
      DefaultFullHttpResponse no =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN, Unpooled.wrappedBuffer(body));
      no.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
          .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
          .set("X-Upstream", "refused");
      ctx.writeAndFlush(no);
    }
  }

  /** Echoes data frames; on /close, closes after the first. */
  private static final class Frames extends SimpleChannelInboundHandler<WebSocketFrame> {
    private boolean closing;

    Frames() {
      super(false);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete hc) {
        closing = hc.requestUri().startsWith("/close");
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (closing) {
        frame.release();
        ctx.writeAndFlush(new CloseWebSocketFrame(4001, "bye"))
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      ctx.writeAndFlush(frame); // text, binary and continuation frames, as they came
    }
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group
        .shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS)
        .syncUninterruptibly();
  }
}
