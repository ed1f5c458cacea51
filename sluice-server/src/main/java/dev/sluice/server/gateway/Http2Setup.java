package dev.sluice.server.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 client connection: Netty's frame codec and multiplexer, each stream on a child channel
 * of its own running the same {@link ProxyConnection} as an HTTP/1.1 connection, behind {@code
 * Http2StreamFrameToHttpObjectCodec}. So each stream is decided on its own, with every limit,
 * header and answer of HTTP/1.1; the upstream still gets HTTP/1.1 on its keep-alive pool. Headers
 * HTTP/2 forbids (RFC 9113 section 8.2.2: {@code Connection}, {@code Keep-Alive}, {@code
 * Transfer-Encoding}, {@code Upgrade}...) are refused in requests by the codec, and dropped from
 * answers when they are converted.
 *
 * <p>What one connection may cost is bounded:
 *
 * <ul>
 *   <li>at most {@value #MAX_CONCURRENT_STREAMS} streams open at once (more are refused with {@code
 *       REFUSED_STREAM}); each holds at most one upstream connection, as an HTTP/1.1 client
 *       connection does;
 *   <li>a header list of at most {@value #MAX_HEADER_LIST_BYTES} bytes, as the HTTP/1.1 codec's 16
 *       KiB;
 *   <li>the "rapid reset" attack (CVE-2023-44487: streams opened and cancelled at once, so each
 *       costs the server work but never counts against the concurrency limit): at most {@value
 *       #MAX_RESETS_PER_WINDOW} resets received per {@value #RESET_WINDOW_SECONDS} s, and as many
 *       sent because of the client's frames (the "MadeYouReset" variant); past either, GOAWAY
 *       {@code ENHANCE_YOUR_CALM} and the connection closes;
 *   <li>runs of empty DATA frames (a CPU drain) end the connection at the third;
 *   <li>a connection that sends nothing for 120 s is closed (GOAWAY first).
 * </ul>
 *
 * Every connection error (those above and any protocol violation) is counted by its HTTP/2 error
 * code in {@code sluice_http2_errors_total} ({@code rapid_reset} for {@code ENHANCE_YOUR_CALM}).
 */
final class Http2Setup {
  static final int MAX_CONCURRENT_STREAMS = 100;
  static final int MAX_HEADER_LIST_BYTES = 16 * 1024;
  static final int MAX_RESETS_PER_WINDOW = 200;
  static final int RESET_WINDOW_SECONDS = 30;
  private static final int IDLE_SECONDS = 120;

  private final ProxyServer server;
  private final long gracefulShutdownMillis;
  private final ChannelInitializer<Http2StreamChannel> streams;
  private final Guard guard = new Guard();

  /**
   * @param gracefulShutdownMillis how long streams in flight may finish after the GOAWAY of a
   *     connection closed by the gateway (its drain time)
   */
  Http2Setup(ProxyServer server, long gracefulShutdownMillis) {
    this.server = server;
    this.gracefulShutdownMillis = gracefulShutdownMillis;
    this.streams =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(Http2StreamChannel stream) {
            server.http2Stream(stream);
          }
        };
  }

  /** Makes {@code ch} an HTTP/2 server connection. */
  void configure(Channel ch) {
    ch.pipeline()
        .addLast(
            // Streams' answers arrive from many upstream connections in one turn of the event loop,
            // each ending in a flush: consolidated into one write (one TLS record, one syscall)
            // per turn, rather than one per stream.
            new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
            new IdleStateHandler(IDLE_SECONDS, 0, 0, TimeUnit.SECONDS),
            Http2FrameCodecBuilder.forServer()
                .initialSettings(
                    Http2Settings.defaultSettings()
                        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(MAX_HEADER_LIST_BYTES))
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
                .encoderEnforceMaxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(2)
                .gracefulShutdownTimeoutMillis(gracefulShutdownMillis)
                .validateHeaders(true)
                .build(),
            new Http2MultiplexHandler(streams),
            guard);
  }

  /** Whether {@code ch} is an HTTP/2 client connection (to close gracefully when draining). */
  static boolean isHttp2(Channel ch) {
    return ch.pipeline().get(Http2MultiplexHandler.class) != null;
  }

  /**
   * The end of an HTTP/2 connection's pipeline: counts its connection errors (the codec has already
   * sent GOAWAY and is closing it) and closes it when idle; never lets an error escape as a crash.
   */
  @ChannelHandler.Sharable
  private final class Guard extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Http2Exception h2 = embedded(cause);
      if (h2 instanceof Http2Exception.StreamException) {
        return; // one stream's error: the codec reset that stream, the connection goes on
      }
      if (h2 != null) {
        Http2Error code = h2.error();
        server.metrics.http2Error(
            code == Http2Error.ENHANCE_YOUR_CALM
                ? "rapid_reset"
                : code.name().toLowerCase(java.util.Locale.ROOT));
        // Not closed here: a close now would send a graceful GOAWAY (NO_ERROR) ahead of the
        // codec's, which says what was wrong, and then closes.
        return;
      }
      if (!(cause instanceof IOException)) {
        server.connectionErrorLog.log(
            Level.ERROR,
            "the proxy failed on an HTTP/2 connection from " + ctx.channel().remoteAddress(),
            cause);
      }
      ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        ctx.close(); // the codec sends GOAWAY first
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    private static Http2Exception embedded(Throwable cause) {
      for (Throwable c = cause; c != null; c = c.getCause()) {
        if (c instanceof Http2Exception e) {
          return e;
        }
      }
      return null;
    }
  }
}
