package dev.sluice.server.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;

/**
 * One event loop's keep-alive connections to the upstream. Used only on that loop, so it needs no
 * locks: a forward takes the most recently used idle connection (it is the likeliest still open),
 * or opens one; a connection whose exchange ended cleanly comes back, up to {@value #MAX_IDLE}.
 *
 * <p>Each connection times out after the upstream timeout without a byte from the upstream (counted
 * from the start of each forward): while a forward waits for its answer, that is the upstream being
 * too slow (504, or a reset mid-body); while idle here, it is simply closed.
 */
final class UpstreamPool {
  private static final int MAX_IDLE = 256;

  private final ProxyServer server;
  private final Bootstrap connector;
  private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
  private final Bootstrap dedicated;
  private final SslContext ssl;

  UpstreamPool(ProxyServer server, Bootstrap template, SslContext ssl) {
    this.server = server;
    this.ssl = ssl;
    this.dedicated = template.clone();
    Upstream upstream = server.upstream;
    long timeoutMs = Math.max(1, upstream.timeout().toMillis());
    HttpDecoderConfig decoding =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(16 * 1024)
            .setMaxHeaderSize(64 * 1024)
            .setMaxChunkSize(16 * 1024);
    this.connector =
        template.handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ChannelPipeline p = ch.pipeline();
                if (ssl != null) {
                  SslHandler tls = ssl.newHandler(ch.alloc(), upstream.host(), upstream.port());
                  SSLParameters params = tls.engine().getSSLParameters();
                  params.setEndpointIdentificationAlgorithm("HTTPS");
                  tls.engine().setSSLParameters(params);
                  p.addLast(tls);
                }
                p.addLast(
                    new HttpClientCodec(decoding, false, false),
                    new UpstreamConnection(
                        UpstreamPool.this, TimeUnit.MILLISECONDS.toNanos(timeoutMs)));
              }
            });
  }

  /**
   * Opens a connection to the upstream that is never pooled (a WebSocket handshake's, see {@link
   * WebSocketTunnel}): TLS for an https upstream, the HTTP/1.1 client codec, answers read whole up
   * to {@link WebSocketTunnel#MAX_REFUSAL_BYTES}, then {@code end}.
   */
  ChannelFuture connectDedicated(ChannelHandler end) {
    Upstream upstream = server.upstream;
    return dedicated
        .clone()
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ChannelPipeline p = ch.pipeline();
                if (ssl != null) {
                  p.addLast(tls(ch, upstream));
                }
                p.addLast(
                    new HttpClientCodec(),
                    new HttpObjectAggregator(WebSocketTunnel.MAX_REFUSAL_BYTES),
                    end);
              }
            })
        .connect(upstream.host(), upstream.port());
  }

  private SslHandler tls(Channel ch, Upstream upstream) {
    SslHandler tls = ssl.newHandler(ch.alloc(), upstream.host(), upstream.port());
    SSLParameters params = tls.engine().getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    tls.engine().setSSLParameters(params);
    return tls;
  }

  /** Hands {@code front} a connection: at once if one is idle, else once connected (or failed). */
  void acquire(ProxyConnection front) {
    UpstreamConnection u;
    while ((u = idle.pollLast()) != null) {
      if (u.channel().isActive()) {
        front.upstreamReady(u);
        return;
      }
    }
    Upstream upstream = server.upstream;
    ChannelFuture connecting = connector.connect(upstream.host(), upstream.port());
    connecting.addListener(
        done -> {
          if (done.isSuccess()) {
            front.upstreamReady(connecting.channel().pipeline().get(UpstreamConnection.class));
          } else {
            front.upstreamFailed(done.cause(), true);
          }
        });
  }

  /** Takes back a connection whose exchange ended cleanly. */
  void release(UpstreamConnection u) {
    if (idle.size() >= MAX_IDLE || server.draining || !u.channel().isActive()) {
      u.channel().close();
    } else {
      idle.addLast(u);
    }
  }

  /** Forgets a connection that closed. */
  void remove(UpstreamConnection u) {
    idle.remove(u);
  }
}
