package dev.sluice.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;

/**
 * Sets up an admitted client connection for what it speaks: HTTP/1.1 in clear text; TLS, then
 * HTTP/2 or HTTP/1.1 as ALPN chose ({@link TlsSetup}); or, with h2c, HTTP/2 when the connection
 * opens with HTTP/2's preface and HTTP/1.1 otherwise ({@link PrefaceSniffer}).
 */
final class ClientPipelines {
  private final ProxyServer server;
  private final Protocols protocols;
  private final Http2Setup http2;

  ClientPipelines(ProxyServer server, Protocols protocols, long gracefulShutdownMillis) {
    this.server = server;
    this.protocols = protocols;
    this.http2 = new Http2Setup(server, gracefulShutdownMillis);
  }

  void init(Channel ch) {
    if (protocols.tls() != null) {
      ch.pipeline().addLast(protocols.tls().newHandler(ch.alloc()), new TlsSetup(server, http2));
    } else if (protocols.h2c()) {
      ch.pipeline().addLast(new PrefaceSniffer());
    } else {
      server.http1(ch);
    }
  }

  /**
   * Waits for the first bytes of a clear-text connection: HTTP/2's 24-byte preface ({@code PRI *
   * HTTP/2.0...}) means HTTP/2 with prior knowledge; a byte that differs from it means HTTP/1.1 (no
   * HTTP/1.1 method begins with "PRI *"). Then it leaves, handing what it read to the protocol's
   * handlers. A client silent before its first bytes is the idle and header deadlines' business,
   * which run from the connection's start either way.
   */
  private final class PrefaceSniffer extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
      try {
        int n = Math.min(in.readableBytes(), preface.readableBytes());
        boolean matches = ByteBufUtil.equals(in, in.readerIndex(), preface, 0, n);
        if (matches && n < preface.readableBytes()) {
          return; // more is needed to tell
        }
        Channel ch = ctx.channel();
        if (matches) {
          http2.configure(ch);
        } else {
          server.http1(ch);
        }
        ctx.pipeline().remove(this); // what it holds goes on to the handlers just added
      } finally {
        preface.release();
      }
    }
  }
}
