package dev.sluice.server.gateway;

import dev.sluice.core.Answer;
import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.ClientAddress;
import dev.sluice.core.http.Header;
import dev.sluice.core.http.HttpMethods;
import dev.sluice.core.http.InvalidRequestException;
import dev.sluice.core.http.QueryString;
import dev.sluice.micrometer.MeterNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * One client connection to the main port, and the end of its pipeline: decides each request and
 * either forwards it to the upstream, adding the rate-limit headers to the upstream's answer, or
 * answers it (429, 400, 413, 502, 503, 504). Every method runs on the connection's event loop.
 *
 * <p>One request at a time: pipelined requests wait, in order, unread beyond what one socket read
 * brought. A request's life: DECIDING (its body, if any, held unread), or BUFFERING first when a
 * rule counts per a JSON body field; then FORWARDING (its body streaming to the upstream, the
 * answer streaming back) or DISCARDING (answered by Sluice; what is left of its body is read and
 * dropped). When both the request and the answer are complete, the next request may begin.
 *
 * <p>Forwarded requests keep their request-target exactly as received (after the upstream's prefix)
 * and their method in canonical form, lose their hop-by-hop headers (RFC 9110 section 7.6.1), and
 * get {@code X-Forwarded-For}, {@code -Proto} and {@code -Host}; those sent by the client are
 * believed only from trusted proxies, and from any other peer {@code Forwarded} and {@code
 * X-Real-IP} are removed.
 *
 * <p>A WebSocket handshake is decided like any request, then goes to the upstream over a connection
 * of its own ({@link WebSocketTunnel}); on the upstream's 101 this handler, the codec and the
 * deadlines leave the pipeline, and the two connections are {@linkplain Splice spliced}.
 */
final class ProxyConnection extends ChannelInboundHandlerAdapter {
  /** Request headers not forwarded as such: rewritten below, or answered by the gateway itself. */
  private static final String[] REWRITTEN = {
    "host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "expect"
  };

  /**
   * From a peer that is not a trusted proxy, also the other headers that name the client: a client
   * could write them to pose as anyone to an upstream that reads them.
   */
  private static final String[] REWRITTEN_UNTRUSTED = {
    "host",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "expect",
    "forwarded",
    "x-real-ip"
  };

  private static final String[] NONE = {};
  private static final byte[] CONTINUE =
      "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private static final int IDLE = 0;
  private static final int BUFFERING = 1;
  private static final int DECIDING = 2;
  private static final int CONNECTING = 3;
  private static final int FORWARDING = 4;
  private static final int DISCARDING = 5;

  /** Answered with Connection: close, or broken: nothing more is read. */
  private static final int CLOSING = 6;

  private final ProxyServer server;
  private final UpstreamPool pool;
  private final ClientDeadlines deadlines;
  private ChannelHandlerContext ctx;
  private String peer;
  private int state = IDLE;

  /** Messages of later (pipelined) requests, waiting for the current one to end. */
  private ArrayDeque<HttpObject> pipelined;

  // The request in progress.
  private HttpRequest request;
  private Sluice engine;
  private boolean keepAlive;

  /** Whether the client speaks HTTP/1.1 (else 1.0: no chunks, keep-alive only when asked). */
  private boolean http11;

  private boolean requestDone;
  private boolean headWritten;
  private List<Header> rateHeaders = List.of();

  /** Body pieces read while deciding or connecting, forwarded once connected. */
  private ArrayDeque<HttpContent> held;

  /** The body read whole for a rule that counts per a body field. */
  private ByteBuf body;

  private UpstreamConnection upstream;

  /** Whether the current request is a WebSocket handshake ({@link WebSocketTunnel#isUpgrade}). */
  private boolean websocket;

  /** The handshake's own connection to the upstream, until the upstream answers it. */
  private WebSocketTunnel tunnel;

  /** The current request's method in canonical form, as counted and as forwarded. */
  private String method;

  private String rawQuery;
  private Map<String, String> queryParameters;

  /** What is known of a request whose body is being read for a body key. */
  private record Awaiting(String method, String path, String client) {}

  private Awaiting awaiting;

  // What the metrics and the access log learn of the request in progress (see requestEnded).
  private long startNanos;
  private long startMillis;
  private long decisionNanos;
  private long upstreamSince;
  private long upstreamNanos;
  private long bytesOut;
  private int status;
  private Decision decision;
  private String client;
  private String loggedPath;
  private String protocol;
  private boolean recorded;

  /** Whether the connection closes once the answer in progress is written. */
  private boolean closeAfterResponse;

  /** Inside {@link #exchangeDone}'s loop over the pipelined requests. */
  private boolean dequeuing;

  /**
   * The next request's header deadline passed while this one was in progress: once it is answered,
   * the client gets a 408.
   */
  private boolean headerTimedOut;

  ProxyConnection(ProxyServer server, UpstreamPool pool, ClientDeadlines deadlines) {
    this.server = server;
    this.pool = pool;
    this.deadlines = deadlines;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive()) { // added after a TLS handshake, or after h2c's first bytes
      peer = peer(ctx);
    }
    deadlines.bodyWait(this::waitingForBody);
  }

  /** Whether the gateway waits for the client's body now (reading, and needing more of it). */
  private boolean waitingForBody() {
    return (state == BUFFERING || state == DISCARDING || state == FORWARDING && !requestDone)
        && ctx.channel().config().isAutoRead();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    peer = peer(ctx);
    ctx.fireChannelActive();
  }

  private static String peer(ChannelHandlerContext ctx) {
    return ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress();
  }

  // ---- reading the client ------------------------------------------------------------------

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      deadlines.headReceived();
    }
    if (msg instanceof LastHttpContent) {
      deadlines.requestEnded();
    }
    if (!(msg instanceof HttpObject object) || state == CLOSING) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (pipelined != null || (object instanceof HttpRequest && state != IDLE)) {
      if (pipelined == null) {
        pipelined = new ArrayDeque<>();
        ctx.channel().config().setAutoRead(false);
      }
      pipelined.add(object);
      return;
    }
    dispatch(object);
  }

  private void dispatch(HttpObject object) {
    if (object instanceof HttpRequest r) {
      begin(r);
      if (object instanceof HttpContent c) { // a request the decoder could not read whole
        c.release();
      }
    } else if (object instanceof HttpContent c) {
      content(c);
    } else {
      ReferenceCountUtil.release(object);
    }
  }

  private void begin(HttpRequest r) {
    request = r;
    keepAlive = HttpUtil.isKeepAlive(r);
    http11 = r.protocolVersion().equals(HttpVersion.HTTP_1_1);
    requestDone = false;
    headWritten = false;
    websocket = false;
    rateHeaders = List.of();
    queryParameters = null;
    rawQuery = null;
    startNanos = server.accessLog == null ? 0 : System.nanoTime(); // only the access log's
    startMillis = server.accessLog == null ? 0 : System.currentTimeMillis();
    decisionNanos = -1;
    upstreamNanos = -1;
    bytesOut = 0;
    status = 0;
    decision = null;
    client = peer;
    protocol = r.protocolVersion().text();
    recorded = false;
    loggedPath = null; // the canonical path once read; until then, the target's (see requestEnded)
    if (r.decoderResult().isFailure()) {
      invalid(r.decoderResult().cause());
      return;
    }
    if (r.protocolVersion().majorVersion() != 1) {
      error(505, "HTTP_VERSION_NOT_SUPPORTED", "this gateway speaks HTTP/1.1 (and 1.0)", true);
      return;
    }
    String uri = r.uri();
    // Only origin-form: an absolute-form target would be forwarded with an authority the
    // upstream might honour over Host, and '*' or authority-form name no path to match. The
    // method and path are put in canonical form by core (the engine would anyway): refused here,
    // before a body is read for them.
    Sluice engine = server.engines.current();
    this.engine = engine;
    String method = HttpMethods.canonical(r.method().name());
    this.method = method;
    if (method == null) {
      error(400, InvalidRequestException.BAD_METHOD, HttpMethods.problem(r.method().name()), true);
      return;
    }
    int q = uri.indexOf('?');
    String path;
    try {
      path = engine.canonicalPath(q < 0 ? uri : uri.substring(0, q));
    } catch (InvalidRequestException e) {
      error(400, e.code(), e.getMessage(), true);
      return;
    }
    loggedPath = path;
    rawQuery = q < 0 ? null : uri.substring(q + 1);
    if (!QueryString.isValid(rawQuery)) {
      error(
          400,
          InvalidRequestException.BAD_QUERY,
          "the query string has a broken percent-encoding (a % not followed by two hex digits)"
              + " or a '#'",
          true);
      return;
    }
    websocket = WebSocketTunnel.isUpgrade(r) && ctx.pipeline().get(HttpServerCodec.class) != null;
    if (HttpUtil.is100ContinueExpected(r)) {
      // Written past the codec: its encoder would take a 100 for this request's answer, and frame
      // the real one by the method of the next pipelined request (a HEAD's: without its body).
      ChannelHandlerContext codec = ctx.pipeline().context(HttpServerCodec.class);
      if (codec != null) {
        codec.writeAndFlush(Unpooled.wrappedBuffer(CONTINUE));
      } else { // an HTTP/2 stream: a HEADERS frame of its own, before the answer's
        ctx.writeAndFlush(
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE),
            ctx.voidPromise());
      }
    }
    HttpHeaders headers = r.headers();
    if (ctx.channel() instanceof Http2StreamChannel) {
      // Added by the HTTP/2-to-HTTP/1 conversion, never sent as such by the client: not forwarded.
      for (HttpConversionUtil.ExtensionHeaderNames n :
          HttpConversionUtil.ExtensionHeaderNames.values()) {
        headers.remove(n.text());
      }
    }
    String client =
        ClientAddress.resolve(
            peer,
            engine.policy().trustedProxies().isEmpty()
                ? List.of()
                : headers.getAll("X-Forwarded-For"),
            engine.policy());
    this.client = client;
    if (engine.needsBody(method, path)) {
      String declared = headers.get(HttpHeaderNames.CONTENT_LENGTH);
      if (declared != null && HttpUtil.getContentLength(r, -1L) > server.maxBodyBytes) {
        tooLarge();
        return;
      }
      state = BUFFERING;
      body =
          ctx.alloc()
              .heapBuffer(
                  declared == null
                      ? 256
                      : (int) Math.min(server.maxBodyBytes, HttpUtil.getContentLength(r, 256L)));
      awaiting = new Awaiting(method, path, client);
      return;
    }
    decide(
        new GatewayRequest(
            method, path, headers::get, true, client, this::queryParameter, null, -1));
  }

  private void content(HttpContent c) {
    boolean last = c instanceof LastHttpContent;
    if (c.decoderResult().isFailure()) { // a malformed chunked body: the client broke its request
      Throwable cause = c.decoderResult().cause();
      c.release();
      brokenByClient(cause);
      return;
    }
    switch (state) {
      case BUFFERING -> {
        ByteBuf piece = c.content();
        if (body.readableBytes() + piece.readableBytes() > server.maxBodyBytes) {
          c.release();
          tooLarge();
          return;
        }
        body.writeBytes(piece);
        c.release();
        if (last) {
          requestDone = true;
          Awaiting a = awaiting;
          awaiting = null;
          byte[] bytes = ByteBufUtil.getBytes(body);
          decide(
              new GatewayRequest(
                  a.method(),
                  a.path(),
                  request.headers()::get,
                  true,
                  a.client(),
                  this::queryParameter,
                  bytes,
                  -1));
        }
      }
      case DECIDING, CONNECTING -> {
        if (held == null) {
          held = new ArrayDeque<>();
        }
        held.add(c);
        if (last) {
          requestDone = true;
        } else {
          ctx.channel().config().setAutoRead(false); // until the forward can take it
        }
      }
      case FORWARDING -> {
        if (last) {
          requestDone = true;
        }
        UpstreamConnection u = upstream;
        u.channel().write(c, u.channel().voidPromise());
        u.bodySent();
        if (!u.channel().isWritable()) {
          ctx.channel().config().setAutoRead(false);
        }
      }
      case DISCARDING -> {
        c.release();
        if (last) {
          requestDone = true;
          exchangeDone();
        }
      }
      default -> c.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    UpstreamConnection u = upstream;
    if (u != null && state == FORWARDING) {
      u.channel().flush();
    }
  }

  /** Query parameter {@code name} as core reads a query ({@link QueryString}): the first wins. */
  private String queryParameter(String name) {
    if (rawQuery == null) {
      return null;
    }
    if (queryParameters == null) {
      Map<String, String> params = new HashMap<>();
      QueryString.forEach(rawQuery, params::putIfAbsent);
      queryParameters = params;
    }
    return queryParameters.get(name);
  }

  // ---- deciding ----------------------------------------------------------------------------

  private void decide(GatewayRequest view) {
    state = DECIDING;
    Sluice engine = this.engine;
    // The decision's time for the access log; /metrics has it from the engine's listener.
    long since = server.accessLog == null ? 0 : System.nanoTime();
    Decider.decide(
        engine,
        view,
        ctx.channel().eventLoop(),
        (d, failure) -> {
          if (state != DECIDING) { // the client left, or the drain ended, while the store answered
            return;
          }
          if (server.accessLog != null) {
            decisionNanos = System.nanoTime() - since;
          }
          decision = d;
          if (failure != null) {
            server.connectionErrorLog.log(
                Level.ERROR,
                "deciding " + request.method() + " " + view.path() + " failed",
                failure);
            answer(error(500, "INTERNAL_ERROR", "the request could not be decided"), false);
            return;
          }
          if (d.allowed()) {
            // The headers engine.answer(d) would pass, without its Answer.Pass and copy of the
            // list: the common case allocates nothing more than the headers.
            rateHeaders = engine.headers(d);
            forward();
            return;
          }
          Answer.Refuse no = (Answer.Refuse) engine.answer(d); // what is not allowed is refused
          FullHttpResponse response = response(no.status(), no.contentType(), no.body());
          setAll(response.headers(), no.headers());
          answer(response, false);
        });
  }

  // ---- forwarding --------------------------------------------------------------------------

  private void forward() {
    HttpRequest r = request;
    HttpHeaders h = r.headers();
    boolean trusted = engine.policy().isTrustedProxy(peer);
    String forwardedFor = peer;
    String proto = server.tls ? "https" : "http";
    String host = h.get(HttpHeaderNames.HOST);
    if (trusted) {
      List<String> prior = h.getAll("X-Forwarded-For");
      if (!prior.isEmpty()) {
        forwardedFor = String.join(", ", prior) + ", " + peer;
      }
      String p = h.get("X-Forwarded-Proto");
      proto = p != null ? p : proto;
      String fh = h.get("X-Forwarded-Host");
      host = fh != null ? fh : host;
    }
    boolean chunked = HttpUtil.isTransferEncodingChunked(r);
    // Kept aside: a Connection header naming it would strip it, and the body would then reach
    // the upstream as the next request.
    String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
    String upgrade = websocket ? h.get(HttpHeaderNames.UPGRADE) : null;
    HopByHop.strip(h, trusted ? REWRITTEN : REWRITTEN_UNTRUSTED);
    if (upgrade != null) { // hop-by-hop, but the one hop this handshake asks the upstream to take
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      h.set(HttpHeaderNames.UPGRADE, upgrade);
    }
    h.set(HttpHeaderNames.HOST, server.upstream.authority());
    h.set("X-Forwarded-For", forwardedFor);
    h.set("X-Forwarded-Proto", proto);
    if (host != null) {
      h.set("X-Forwarded-Host", host);
    }
    String prefix = server.upstream.prefix();
    if (!prefix.isEmpty()) {
      r.setUri(prefix + r.uri());
    }
    r.setProtocolVersion(HttpVersion.HTTP_1_1);
    // The method as counted ('post' was counted as POST): the upstream serves what was counted,
    // and a 'head' is framed as the HEAD it is, without a body.
    if (!method.equals(r.method().name())) {
      r.setMethod(HttpMethod.valueOf(method));
    }
    if (body != null) { // read whole for a body key: sent whole, with its length
      h.remove(HttpHeaderNames.TRANSFER_ENCODING);
      h.set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      request =
          new DefaultFullHttpRequest(
              HttpVersion.HTTP_1_1, r.method(), r.uri(), body, h, EmptyHttpHeaders.INSTANCE);
      body = null;
    } else if (chunked) {
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    } else if (length != null) {
      h.set(HttpHeaderNames.CONTENT_LENGTH, length);
    }
    state = CONNECTING;
    upstreamSince = System.nanoTime();
    if (websocket) {
      releaseHeld(); // the handshake's empty end: the tunnel sends it whole
      tunnel = WebSocketTunnel.open(this, pool, request, server.upstream.timeout().toNanos());
      return;
    }
    pool.acquire(this);
  }

  /**
   * The upstream switched the handshake's connection to WebSocket: the client gets the 101, and the
   * two connections are spliced; this handler's work on the connection is over.
   */
  void upgraded(FullHttpResponse response, WebSocketTunnel t) {
    tunnel = null;
    if (state != CONNECTING || pipelined != null) {
      response.release();
      t.abandon();
      if (state == CONNECTING) { // bytes after the handshake: nothing to splice them into safely
        state = CLOSING;
        ctx.close();
      }
      return;
    }
    HttpHeaders h = response.headers();
    String upgrade = h.get(HttpHeaderNames.UPGRADE);
    HopByHop.strip(h, NONE);
    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    if (upgrade != null) {
      h.set(HttpHeaderNames.UPGRADE, upgrade);
    }
    setAll(h, rateHeaders);
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    releaseHeld();
    headWritten = true;
    state = CLOSING; // the splice carries the connection from here
    ctx.writeAndFlush(response, ctx.voidPromise());
    server.metrics.webSocket("upgraded");
    upstreamNanos = System.nanoTime() - upstreamSince;
    requestEnded(101); // the handshake is the request: counted and logged before the splice
    Splice.join(
        ctx.channel(),
        WebSocketTunnel.clientHttpHandlers(),
        t.channel(),
        WebSocketTunnel.upstreamHttpHandlers());
  }

  /** The upstream refused the handshake: its answer goes back as any answer would. */
  void upgradeRefused(FullHttpResponse response) {
    tunnel = null;
    if (state != CONNECTING) {
      response.release();
      return;
    }
    server.metrics.webSocket("refused");
    upstreamNanos = System.nanoTime() - upstreamSince;
    HttpHeaders h = response.headers();
    HopByHop.strip(h, NONE);
    h.set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    setAll(h, rateHeaders);
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    answer(response, false);
  }

  /** The client left, or the drain ended, while a handshake waited for the upstream. */
  private void abandonTunnel() {
    WebSocketTunnel t = tunnel;
    tunnel = null;
    if (t != null) {
      t.abandon();
    }
  }

  /** The pool has a connection for the forward: sends the request and what is held of its body. */
  void upstreamReady(UpstreamConnection u) {
    if (state != CONNECTING) { // the client left, or the drain ended, while connecting
      pool.release(u);
      return;
    }
    upstream = u;
    u.attach(this);
    state = FORWARDING;
    u.channel().write(request, u.channel().voidPromise());
    if (held != null) {
      HttpContent c;
      while ((c = held.poll()) != null) {
        u.channel().write(c, u.channel().voidPromise());
      }
      held = null;
    }
    u.channel().flush();
    if (!requestDone && u.channel().isWritable()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  /** The upstream's writability changed: reading the client's body follows it. */
  void upstreamWritabilityChanged(boolean writable) {
    if (state == FORWARDING && !requestDone) {
      ctx.channel().config().setAutoRead(writable);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    UpstreamConnection u = upstream;
    if (u != null) { // reading the upstream's answer follows the client's reading of it
      u.channel().config().setAutoRead(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** The upstream's answer's head: relayed with its hop-by-hop headers out, ours in. */
  void responseHead(HttpResponse response) {
    if (state != FORWARDING) {
      return;
    }
    HttpHeaders h = response.headers();
    boolean chunked = HttpUtil.isTransferEncodingChunked(response);
    HopByHop.strip(h, NONE);
    setAll(h, rateHeaders);
    boolean close = !keepAlive || server.draining;
    int status = response.status().code();
    this.status = status;
    upstreamNanos = System.nanoTime() - upstreamSince;
    boolean bodiless = request.method() == HttpMethod.HEAD || status == 204 || status == 304;
    if (chunked) {
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
    }
    if (chunked || (!bodiless && !h.contains(HttpHeaderNames.CONTENT_LENGTH))) {
      // Chunked, or delimited by the upstream closing: chunked for an HTTP/1.1 client; an
      // HTTP/1.0 client knows no chunks, so its answer ends when the connection does.
      if (http11) {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      } else if (!bodiless) {
        close = true;
      }
    }
    setConnection(h, close);
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    headWritten = true;
    ctx.write(response, ctx.voidPromise());
  }

  /** A piece of the upstream's answer, relayed; the last one ends the forward. */
  void responseContent(HttpContent content, UpstreamConnection from) {
    if (state != FORWARDING) {
      content.release();
      return;
    }
    bytesOut += content.content().readableBytes();
    if (!(content instanceof LastHttpContent)) {
      ctx.write(content, ctx.voidPromise());
      if (!ctx.channel().isWritable()) {
        from.channel().config().setAutoRead(false);
      }
      return;
    }
    from.detach();
    upstream = null;
    if (requestDone && from.reusable()) {
      from.releaseAfterRead();
    } else { // the upstream answered before the whole body was sent, or will not be reused
      from.channel().close();
    }
    requestEnded(status);
    boolean close = closeAfterResponse;
    if (close) {
      state = CLOSING;
      ctx.writeAndFlush(content).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.write(content, ctx.voidPromise());
    if (requestDone) {
      exchangeDone();
    } else {
      state = DISCARDING;
      ctx.channel().config().setAutoRead(true);
    }
  }

  private void setConnection(HttpHeaders h, boolean close) {
    closeAfterResponse = close;
    if (close) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (!http11) { // the request's own version: forwarding made it 1.1
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
  }

  /** Flushes what was written to the client in this read of the upstream. */
  void flush() {
    ctx.flush();
  }

  /**
   * The forward failed: the upstream could not be reached, was too slow, closed, or sent what is
   * not HTTP. Before the answer's head, the client gets a 502 or 504 (503 once the drain time is
   * up); after it, the connection is closed, the only honest signal left that the answer is cut.
   */
  void upstreamFailed(Throwable cause, boolean connecting) {
    tunnel = null;
    UpstreamConnection u = upstream;
    upstream = null;
    if (u != null) {
      u.detach();
      u.channel().close();
    }
    if (state != FORWARDING && state != CONNECTING) {
      return; // nothing waits for it: the client left, or was answered
    }
    if (headWritten) {
      if (!server.drainExpired) { // a forward cut short at shutdown is not the upstream's failure
        server.metrics.upstreamFailed("reset");
      }
      requestEnded(status);
      state = CLOSING;
      ctx.close();
      return;
    }
    if (server.drainExpired) {
      shuttingDown();
      return;
    }
    // Netty's connect timeout, the silence timer: by type, the upstream was too slow.
    boolean timeout =
        cause instanceof TimeoutException
            || cause.getClass().getSimpleName().contains("TimeoutException");
    server.metrics.upstreamFailed(timeout ? "timeout" : "connect");
    server.logUpstreamFailure(timeout, cause);
    // The client learns what happened, not the upstream's address or the resolver's words.
    FullHttpResponse response =
        timeout
            ? error(504, "UPSTREAM_TIMEOUT", "the upstream did not answer in time")
            : error(502, "UPSTREAM_UNAVAILABLE", "the upstream could not be reached");
    setAll(response.headers(), rateHeaders); // it was counted: it says so, as a 200 would
    answer(response, false);
  }

  /** The client read nothing of its answer for the upstream timeout: it is let go. */
  void clientStalled() {
    upstream = null;
    state = CLOSING;
    ctx.close();
  }

  // ---- answering ---------------------------------------------------------------------------

  /** A JSON error answer; with {@code close}, written at once and the connection closed. */
  private FullHttpResponse error(int status, String code, String message) {
    return response(status, "application/json", JsonErrors.body(code, message));
  }

  private void error(int status, String code, String message, boolean close) {
    answer(error(status, code, message), close);
  }

  /** Sets each of {@code headers} in {@code on}, replacing any of the same name. */
  private static void setAll(HttpHeaders on, List<Header> headers) {
    for (Header h : headers) {
      on.set(h.name(), h.value());
    }
  }

  private FullHttpResponse response(int status, String contentType, String text) {
    ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), text);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), content);
    HttpHeaders h = response.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    h.set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
    return response;
  }

  /**
   * Writes an answer of Sluice's own. The rest of the request's body is then read and dropped,
   * unless {@code close}: then nothing more is read and the connection closes once it is written.
   */
  private void answer(FullHttpResponse response, boolean close) {
    dropUnsent();
    releaseHeld();
    headWritten = true;
    status = response.status().code();
    bytesOut = response.content().readableBytes();
    requestEnded(status);
    close |= !keepAlive || server.draining || request == null;
    setConnection(response.headers(), close);
    if (close) {
      state = CLOSING;
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.writeAndFlush(response, ctx.voidPromise());
    if (requestDone) {
      exchangeDone();
    } else {
      state = DISCARDING;
      ctx.channel().config().setAutoRead(true);
    }
  }

  /** A request Netty could not parse: a JSON 4xx, and the connection is closed. */
  private void invalid(Throwable cause) {
    if (cause instanceof TooLongHttpHeaderException
        || (cause instanceof TooLongFrameException
            && String.valueOf(cause.getMessage()).contains("header"))) {
      error(431, "HEADERS_TOO_LARGE", "the request's headers are larger than 16 KiB", true);
    } else if (cause instanceof TooLongFrameException) {
      error(414, "URI_TOO_LONG", "the request line is longer than 8 KiB", true);
    } else {
      error(400, "BAD_REQUEST", "the request is not valid HTTP/1.1", true);
    }
  }

  private void tooLarge() {
    error(
        413,
        "BODY_TOO_LARGE",
        "this endpoint counts requests per a field of the JSON body,"
            + " and bodies over "
            + server.maxBodyBytes
            + " bytes are not read",
        true);
  }

  /**
   * The client's body turned out malformed (a bad chunk size, a broken chunk): its request cannot
   * be completed. A forward under way is abandoned (the upstream is not to blame); the client gets
   * a 400 if nothing of an answer was sent yet, else its connection is closed, the only signal
   * left. Counted, and logged at most every 10 s.
   */
  private void brokenByClient(Throwable cause) {
    UpstreamConnection u = upstream;
    upstream = null;
    if (u != null) {
      u.detach();
      u.channel().close();
    }
    boolean answerable = !headWritten && state != CLOSING;
    server.metrics.brokenBody(answerable);
    server.brokenBodyLog.log(
        Level.INFO,
        "a request body from "
            + peer
            + " could not be read ("
            + cause
            + "); "
            + (answerable ? "answered 400" : "its connection was closed"),
        null);
    if (answerable) {
      error(
          400,
          "BAD_BODY",
          "the request body could not be read: its chunked encoding is broken",
          true);
      return;
    }
    state = CLOSING;
    ctx.close();
  }

  private void shuttingDown() {
    FullHttpResponse response =
        error(
            503,
            "SHUTTING_DOWN",
            "the gateway is shutting down and the upstream did not answer within the drain time;"
                + " retry");
    setAll(response.headers(), rateHeaders);
    response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    answer(response, true);
  }

  /** Both the request and its answer are complete: the next request may begin. */
  private void exchangeDone() {
    state = IDLE;
    request = null;
    engine = null;
    rateHeaders = List.of();
    queryParameters = null;
    rawQuery = null;
    if (server.draining) {
      state = CLOSING;
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (dequeuing) {
      return; // a request answered at once from the queue: the loop below goes on with the next
    }
    if (pipelined == null) {
      if (headerTimedOut) {
        headerTimeout();
        return;
      }
      ctx.channel().config().setAutoRead(true);
      return;
    }
    dequeuing = true;
    try {
      while (pipelined != null) {
        HttpObject next = pipelined.peek();
        if (next == null) {
          pipelined = null;
          if (headerTimedOut) {
            headerTimeout();
            return;
          }
          ctx.channel().config().setAutoRead(true);
          break;
        }
        if (next instanceof HttpRequest && state != IDLE) {
          break; // waits for the request now in progress
        }
        pipelined.poll();
        dispatch(next);
      }
    } finally {
      dequeuing = false;
    }
    // What was forwarded from the queue goes out now: no read of the client will flush it.
    UpstreamConnection u = upstream;
    if (u != null && state == FORWARDING) {
      u.channel().flush();
    }
  }

  // ---- the connection's end ----------------------------------------------------------------

  /** The drain began: an idle connection closes now; a busy one after its answer. */
  void closeIfIdle() {
    if (state == IDLE && pipelined == null) {
      state = CLOSING;
      ctx.close();
    }
  }

  /** The drain time is up: a request still waiting is answered 503, one mid-answer is cut. */
  void drainExpired() {
    if ((state == FORWARDING || state == CONNECTING || state == DECIDING) && !headWritten) {
      abandonTunnel();
      UpstreamConnection u = upstream;
      upstream = null;
      if (u != null) {
        u.detach();
        u.channel().close();
      }
      shuttingDown();
    } else {
      state = CLOSING;
      ctx.close();
    }
  }

  /** The next request's headers did not arrive in time: a 408, and the connection closes. */
  private void headerTimeout() {
    server.metrics.clientTimedOut(true);
    request = null;
    error(
        408,
        "REQUEST_TIMEOUT",
        "the request's headers did not arrive within the header timeout",
        true);
  }

  /** A client's body stopped arriving: a 408 if nothing was answered yet; closed either way. */
  private void bodyTimeout() {
    server.metrics.clientTimedOut(false);
    UpstreamConnection u = upstream;
    upstream = null;
    if (u != null) { // an upload abandoned midway: its forward cannot complete
      u.detach();
      u.channel().close();
    }
    if (!headWritten) {
      error(
          408,
          "REQUEST_TIMEOUT",
          "the request's body stopped arriving for longer than the body timeout",
          true);
      return;
    }
    state = CLOSING;
    ctx.close();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == ClientDeadlines.Expired.HEADER) {
      if (state == CLOSING) {
        return;
      }
      if (state == IDLE && pipelined == null) {
        headerTimeout();
      } else { // answered once the request in progress (and those queued) are
        headerTimedOut = true;
      }
      return;
    }
    if (evt == ClientDeadlines.Expired.BODY) {
      if (waitingForBody()) {
        bodyTimeout();
      }
      return;
    }
    if (evt instanceof IdleStateEvent) {
      // Nothing from the client for a while, and the gateway is waiting for it: no next request,
      // or the rest of a body (a client reading a long answer sends nothing, and is waited for;
      // so is one whose upload the upstream is slow to take, reads being off).
      boolean waitingForClient =
          state == IDLE && pipelined == null
              || (state == BUFFERING || state == DISCARDING || state == FORWARDING && !requestDone)
                  && ctx.channel().config().isAutoRead();
      if (waitingForClient) {
        UpstreamConnection u = upstream;
        upstream = null;
        if (u != null) { // an upload abandoned midway: its forward cannot complete
          u.detach();
          u.channel().close();
        }
        state = CLOSING;
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  /**
   * The request in progress got its whole answer ({@code status}), or as much of it as it ever
   * will: counted in the metrics, and given to the access log. Once per request; a request the
   * client left before its answer began is logged as nginx logs it, 499. What it costs when the
   * access log is off: a hash lookup and two counter increments.
   */
  private void requestEnded(int status) {
    if (recorded || request == null) {
      return;
    }
    recorded = true;
    Decision d = decision;
    LimitStatus binding = d == null ? null : d.binding();
    String m = method != null ? method : request.method().name();
    server.metrics.requestDone(
        binding == null ? MeterNames.NO_RULE : binding.rule(), m, status, upstreamNanos);
    AccessLog log = server.accessLog;
    if (log != null) {
      HttpHeaders h = request.headers();
      String path = loggedPath;
      if (path == null) { // refused before its path was read: as it came, without its query
        String uri = request.uri();
        int q = uri.indexOf('?');
        path = q < 0 ? uri : uri.substring(0, q);
      }
      log.add(
          new AccessEntry(
              startMillis,
              client,
              m,
              path,
              protocol,
              status,
              bytesOut,
              decisionNanos,
              upstreamNanos,
              System.nanoTime() - startNanos,
              d,
              h.get(HttpHeaderNames.REFERER),
              h.get(HttpHeaderNames.USER_AGENT),
              engine != null ? engine : server.engines.current()));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (request != null && !recorded && state != IDLE) {
      requestEnded(headWritten ? status : 499); // the client left (or was let go) mid-request
    }
    dropUnsent();
    state = CLOSING;
    abandonTunnel();
    UpstreamConnection u = upstream;
    upstream = null;
    if (u != null) { // the client left: its forward is abandoned, and not the upstream's failure
      u.detach();
      u.channel().close();
    }
    releaseHeld();
    if (pipelined != null) {
      pipelined.forEach(ReferenceCountUtil::release);
      pipelined = null;
    }
    ctx.fireChannelInactive();
  }

  private void releaseHeld() {
    if (held != null) {
      held.forEach(HttpContent::release);
      held = null;
    }
    if (body != null) {
      body.release();
      body = null;
    }
  }

  /** Releases a request built whole for a body key that was never sent (still connecting). */
  private void dropUnsent() {
    if (state == CONNECTING
        && request instanceof DefaultFullHttpRequest full
        && full.refCnt() > 0) {
      full.release();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A reset by the client, or a stream it broke (HTTP/2), is no news; anything else is.
    if (!(cause instanceof IOException || cause instanceof Http2Exception)) {
      server.connectionErrorLog.log(
          Level.ERROR, "the proxy failed on a connection from " + peer, cause);
      if (!headWritten && state != CLOSING && request != null) {
        try {
          error(500, "INTERNAL_ERROR", "the request could not be answered", true);
          return;
        } catch (Throwable again) { // no memory for an answer: the connection goes
          // closed below
        }
      }
    }
    state = CLOSING;
    ctx.close();
  }
}
