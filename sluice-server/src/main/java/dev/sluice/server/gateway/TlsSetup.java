package dev.sluice.server.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.NotSslRecordException;
import java.lang.System.Logger.Level;

/**
 * After the TLS handshake of a client connection, sets up the protocol ALPN chose: HTTP/2 ({@link
 * Http2Setup}) or HTTP/1.1 (also for a client that offered no ALPN). A handshake that fails (plain
 * HTTP to the TLS port, no protocol or cipher in common, a client gone or silent past Netty's 10 s
 * handshake timeout) is counted by reason and the connection closed; logged at most every 10 s.
 */
final class TlsSetup extends ApplicationProtocolNegotiationHandler {
  private static final BoundedLog LOG = new BoundedLog(10);

  private final ProxyServer server;
  private final Http2Setup http2;
  private boolean counted;

  TlsSetup(ProxyServer server, Http2Setup http2) {
    super(ApplicationProtocolNames.HTTP_1_1);
    this.server = server;
    this.http2 = http2;
  }

  @Override
  protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
      http2.configure(ctx.channel());
    } else {
      server.http1(ctx.channel());
    }
  }

  @Override
  protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
    failed(ctx, cause);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Before the protocol is set up: a record that is not TLS, a bad one. Nothing is answered to a
    // client that does not speak TLS. Counted before the close, whose own failure event follows.
    failed(ctx, cause);
  }

  /** Counts and logs the first failure of the handshake, and closes the connection. */
  private void failed(ChannelHandlerContext ctx, Throwable cause) {
    if (!counted) {
      counted = true;
      String reason = reason(cause);
      server.metrics.tlsHandshakeFailed(reason);
      LOG.log(
          Level.INFO,
          "a TLS handshake with "
              + ctx.channel().remoteAddress()
              + " failed ("
              + reason
              + "): "
              + cause,
          null);
    }
    ctx.close();
  }

  /** A short, bounded label for the metric: never text the client chose. */
  static String reason(Throwable cause) {
    Throwable c =
        cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (c instanceof NotSslRecordException) {
      return "not_tls";
    }
    if (c instanceof io.netty.handler.ssl.SslHandshakeTimeoutException) {
      return "timeout";
    }
    if (c instanceof java.nio.channels.ClosedChannelException
        || c instanceof java.io.IOException && !(c instanceof javax.net.ssl.SSLException)) {
      return "closed";
    }
    return "refused"; // no protocol, cipher or ALPN in common; a bad record
  }
}
