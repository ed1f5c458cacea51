package dev.sluice.server.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The main port: a reverse proxy on Netty's HTTP/1.1 codec, driven directly.
 *
 * <p>Each event loop owns its client connections and a pool of keep-alive connections to the
 * upstream ({@link UpstreamPool}), so a request is decided, forwarded and answered on one thread,
 * with no hand-off. The request and response objects the codecs decode are forwarded as they are,
 * their headers edited in place (hop-by-hop headers out, {@code X-Forwarded-*} and the rate-limit
 * headers in); bodies stream through piece by piece, with back-pressure both ways, and everything
 * read in one socket read goes out in one flush.
 *
 * <p>Why not Vert.x's HTTP server and client here, as on the admin port: a profile of the proxy
 * under load put about a third of its CPU in their request, response, future and header-map layers
 * on both sides (see BENCHMARKS.md, "Gateway load"); the same proxying on the codecs alone costs
 * about half as much per request.
 *
 * <p>{@link #close} drains: the port stops accepting, idle connections close, requests in flight
 * get up to the drain time to finish (their answers carry {@code Connection: close}), then those
 * still waiting for the upstream are answered 503 {@code SHUTTING_DOWN}, and everything is closed.
 */
final class ProxyServer {

  /** After the drain time, how long answering the requests still in flight may take. */
  private static final long ANSWER_GRACE_MS = 1_000;

  /** A client connection with no request for this long is closed. */
  private static final int CLIENT_IDLE_SECONDS = 120;

  final Engines engines;
  final GatewayMetrics metrics;
  final Upstream upstream;
  final int maxBodyBytes;

  /** Where each request's line goes, or {@code null}: the one whose drops the metrics count. */
  final AccessLog accessLog;

  /** Broken request bodies, logged at most every 10 s. */
  final BoundedLog brokenBodyLog = new BoundedLog(10);

  /** Failures of a connection's handling (a bug, or no memory), logged at most every 10 s. */
  final BoundedLog connectionErrorLog = new BoundedLog(10);

  private final BoundedLog refusedLog = new BoundedLog(10);
  private final ConnectionLimits limits;
  private final AcceptWatch acceptWatch;

  /** Set once {@link #close} begins: answers carry {@code Connection: close}. */
  volatile boolean draining;

  /**
   * Set when the drain time is up: forwards still waiting are answered 503, not blamed on the
   * upstream.
   */
  volatile boolean drainExpired;

  private final EventLoopGroup group;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final Map<EventExecutor, UpstreamPool> pools = new IdentityHashMap<>();
  private final BoundedLog upstreamFailureLog = new BoundedLog(10);
  private final Channel listener;
  private final DnsAddressResolverGroup resolver;

  private final long headerNanos;
  private final long bodyNanos;
  private final HttpDecoderConfig decoding =
      new HttpDecoderConfig()
          .setMaxInitialLineLength(8 * 1024)
          .setMaxHeaderSize(16 * 1024)
          .setMaxChunkSize(16 * 1024);

  /**
   * Whether client connections are TLS: forwarded requests say {@code X-Forwarded-Proto: https}.
   */
  final boolean tls;

  private ProxyServer(
      Engines engines,
      GatewayMetrics metrics,
      Gateway.Options options,
      int loops,
      Protocols protocols) {
    // Before anything can fail: logging an error must not be what loads the time zone data.
    SafeLogging.install();
    this.engines = engines;
    this.metrics = metrics;
    this.upstream = options.upstream();
    this.maxBodyBytes = options.maxBodyBytes();
    this.accessLog = metrics.accessLog();
    Upstream upstream = this.upstream;
    this.limits = new ConnectionLimits(options.maxConnections(), options.maxConnectionsPerClient());
    this.acceptWatch = new AcceptWatch(metrics, System::nanoTime);
    metrics.bindConnections(limits::open);
    this.headerNanos = options.clientHeaderTimeout().toNanos();
    this.bodyNanos = options.clientBodyTimeout().toNanos();
    this.tls = protocols.tls() != null;
    ClientPipelines pipelines =
        new ClientPipelines(this, protocols, Math.max(1, options.drain().toMillis()));
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    group =
        new MultiThreadIoEventLoopGroup(loops, new DefaultThreadFactory("sluice-proxy", true), io);
    SslContext ssl = upstream.ssl() ? protocols.upstreamTrust().context() : null;
    // Netty's default resolver would look an upstream host name up on the event loop, blocking
    // it, for every new connection; this one asks DNS asynchronously (and reads /etc/hosts).
    resolver =
        new DnsAddressResolverGroup(
            epoll ? EpollDatagramChannel.class : NioDatagramChannel.class,
            DnsServerAddressStreamProviders.platformDefault());
    for (EventExecutor loop : group) {
      Bootstrap connector =
          new Bootstrap()
              .group((EventLoop) loop)
              .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
              .resolver(resolver)
              .option(ChannelOption.TCP_NODELAY, true)
              .option(
                  ChannelOption.CONNECT_TIMEOUT_MILLIS,
                  (int) Math.min(Integer.MAX_VALUE, Math.max(1, upstream.timeout().toMillis())));
      pools.put(loop, new UpstreamPool(this, connector, ssl));
    }
    Class<? extends ServerChannel> serverChannel =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    ServerBootstrap server =
        new ServerBootstrap()
            .group(group)
            .channel(serverChannel)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .handler(acceptWatch)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    acceptWatch.accepted();
                    Object client = clientKey(ch);
                    ConnectionLimits.Admission admission = limits.admit(client);
                    if (admission != ConnectionLimits.Admission.ADMITTED) {
                      refused(ch, admission);
                      return;
                    }
                    ch.closeFuture().addListener(f -> limits.release(client));
                    connections.add(ch);
                    pipelines.init(ch);
                  }
                });
    try {
      listener = server.bind(options.host(), options.port()).syncUninterruptibly().channel();
      acceptWatch.watch(listener);
    } catch (Throwable e) { // including Netty's checked bind failure, thrown unchecked
      resolver.close();
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  /**
   * Listens on {@code host:port} with {@code loops} event loops.
   *
   * @throws Exception (Netty's, from the bind, possibly checked and thrown unchecked) if the port
   *     cannot be bound
   */
  static ProxyServer start(
      Engines engines,
      GatewayMetrics metrics,
      Gateway.Options options,
      int loops,
      Protocols protocols) {
    return new ProxyServer(engines, metrics, options, loops, protocols);
  }

  /** Makes {@code ch} (clear text, or past its TLS handshake) an HTTP/1.1 client connection. */
  void http1(Channel ch) {
    ClientDeadlines deadlines = new ClientDeadlines(headerNanos, bodyNanos);
    ch.pipeline()
        .addLast(
            // Reads only: a write-side timer would add a listener to every write.
            new IdleStateHandler(CLIENT_IDLE_SECONDS, 0, 0, TimeUnit.SECONDS),
            deadlines,
            new HttpServerCodec(decoding),
            new ProxyConnection(this, pools.get(ch.eventLoop()), deadlines));
  }

  /**
   * Makes {@code stream} (one stream of an HTTP/2 connection, on its connection's event loop) serve
   * its request as an HTTP/1.1 connection serves one: same deadlines, same decisions.
   */
  void http2Stream(Channel stream) {
    ClientDeadlines deadlines = new ClientDeadlines(headerNanos, bodyNanos);
    stream
        .pipeline()
        .addLast(
            deadlines,
            new Http2StreamFrameToHttpObjectCodec(true, true),
            Http2RequestSplitter.INSTANCE,
            new ProxyConnection(this, pools.get(stream.eventLoop()), deadlines));
  }

  /**
   * What {@code ch}'s peer is counted under, or {@code null} for a peer not capped per client: one
   * the policy trusts as a proxy, which carries many clients' connections.
   */
  private Object clientKey(Channel ch) {
    if (!(ch.remoteAddress() instanceof java.net.InetSocketAddress remote)
        || remote.getAddress() == null) {
      return null;
    }
    java.net.InetAddress address = remote.getAddress();
    var policy = engines.current().policy();
    if (!policy.trustedProxies().isEmpty() && policy.isTrustedProxy(address.getHostAddress())) {
      return null;
    }
    return ConnectionLimits.clientKey(address);
  }

  /**
   * A connection over a limit: answered 503 at once (a TLS alert on a TLS port), counted, logged at
   * most every 10 s.
   */
  private void refused(Channel ch, ConnectionLimits.Admission why) {
    boolean total = why == ConnectionLimits.Admission.OVER_TOTAL;
    metrics.connectionRefused(total ? "total" : "per_client");
    refusedLog.log(
        Level.WARNING,
        total
            ? "a connection was refused: the proxy holds its most, --max-connections "
                + limits.maxTotal()
            : "a connection from "
                + ch.remoteAddress()
                + " was refused: its address holds its most, --max-connections-per-client "
                + limits.maxPerClient(),
        null);
    ch.pipeline().addLast(new Refusal(why, tls));
  }

  /**
   * Why the proxy cannot accept connections now, or {@code null} when it can (see {@link
   * AcceptWatch#problem}). Not a problem while the gateway is stopping.
   */
  String acceptProblem() {
    return draining ? null : acceptWatch.problem();
  }

  /** The listening channel, for tests that break it. */
  Channel listenerForTest() {
    return listener;
  }

  int port() {
    return ((java.net.InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Logs, at most every 10 s, that the upstream failed a forward. */
  void logUpstreamFailure(boolean timeout, Throwable cause) {
    if (upstreamFailureLog.due()) {
      upstreamFailureLog.write(
          Level.WARNING,
          "the upstream "
              + upstream
              + (timeout ? " did not answer in time: " : " could not be reached: ")
              + cause
              + " (logged at most every 10 s)",
          null);
    }
  }

  /**
   * Stops accepting, lets requests in flight finish for up to {@code drain}, answers those still
   * waiting for the upstream 503, and closes everything. Blocks until done.
   */
  void close(Duration drain) {
    draining = true;
    listener.close().awaitUninterruptibly();
    for (Channel c : connections) {
      ProxyConnection p = c.pipeline().get(ProxyConnection.class);
      if (p != null) {
        c.eventLoop().execute(p::closeIfIdle);
      } else if (Http2Setup.isHttp2(c)) {
        c.close(); // GOAWAY: streams in flight finish, within the drain time
      }
    }
    if (!connections.newCloseFuture().awaitUninterruptibly(Math.max(1, drain.toMillis()))) {
      drainExpired = true;
      for (Channel c : connections) {
        ProxyConnection p = c.pipeline().get(ProxyConnection.class);
        if (p != null) {
          c.eventLoop().execute(p::drainExpired);
        }
      }
      connections.newCloseFuture().awaitUninterruptibly(ANSWER_GRACE_MS);
    }
    connections.close().awaitUninterruptibly(ANSWER_GRACE_MS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    resolver.close();
  }
}
