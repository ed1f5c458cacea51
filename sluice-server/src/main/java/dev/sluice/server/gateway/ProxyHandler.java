package dev.sluice.server.gateway;

import dev.sluice.core.Decision;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.Header;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The main port: decides each request and either forwards it to the upstream, adding the
 * rate-limit headers to the upstream's response, or answers it (429, 400, 413, 503).
 *
 * <p>Bodies stream both ways without being buffered, except when a rule that applies counts per a
 * JSON body field: then up to {@code maxBodyBytes} of the body are read first (a larger body is
 * refused with 413, since the identity it carries cannot be read), and forwarded intact.
 *
 * <p>Forwarded requests keep their request-target exactly as received, lose their hop-by-hop
 * headers (RFC 9110 section 7.6.1), and get {@code X-Forwarded-For}, {@code -Proto} and
 * {@code -Host}; those sent by the client are believed only from trusted proxies.
 */
final class ProxyHandler implements Handler<HttpServerRequest> {
  private static final System.Logger LOG = System.getLogger("sluice.gateway");
  /** Request headers not copied as such: rewritten below, or answered by the gateway itself. */
  private static final String[] REWRITTEN = {
      "host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "expect", "content-length"};
  /** The one body-read failure that is the client's body's size. */
  private static final Throwable TOO_LARGE = new IllegalStateException("body too large") {
    private static final long serialVersionUID = 1L;

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  };
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;
  private final java.util.concurrent.atomic.AtomicLong lastUpstreamLog =
      new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  private final Engines engines;
  private final Decider decider;
  private final GatewayMetrics metrics;
  private final HttpClientAgent client;
  private final Upstream upstream;
  private final int maxBodyBytes;
  /**
   * Set on the handler's event loop when the drain time is up ({@link #drainExpired}); read only
   * where a forward has failed, never on a request's way through.
   */
  private boolean drainExpired;

  ProxyHandler(Engines engines, Decider decider, GatewayMetrics metrics, HttpClientAgent client,
      Upstream upstream, int maxBodyBytes) {
    this.engines = engines;
    this.decider = decider;
    this.metrics = metrics;
    this.client = client;
    this.upstream = upstream;
    this.maxBodyBytes = maxBodyBytes;
  }

  /**
   * The drain time is up and requests are still waiting for the upstream: closes this loop's
   * upstream connections, so that each of them fails and is answered (503 SHUTTING_DOWN before
   * its head was sent, a reset after) rather than cut off without a word when the server closes
   * its connections. Call on the handler's event loop.
   */
  void drainExpired() {
    drainExpired = true;
    client.close();
  }

  @Override
  public void handle(HttpServerRequest req) {
    req.pause(); // nothing of the body is read until the request is decided
    // Only origin-form: an absolute-form target would be forwarded with an authority the
    // upstream might honour over Host, and '*' or authority-form name no path to match.
    String path = req.uri().startsWith("/") ? RequestPath.canonical(req.path()) : null;
    if (path == null) {
      JsonErrors.send(req.response().putHeader("Connection", "close"), 400, "BAD_PATH",
          "the request path is not a valid absolute path");
      return;
    }
    String query = req.query();
    if (query != null && !RequestPath.validQuery(query)) {
      JsonErrors.send(req.response().putHeader("Connection", "close"), 400, "BAD_QUERY",
          "the query string has a broken percent-encoding (a % not followed by two hex digits)");
      return;
    }
    Sluice engine = engines.current();
    String method = req.method().name();
    String client = ClientAddress.resolve(req.remoteAddress().hostAddress(),
        engine.policy().trustedProxies().isEmpty() ? List.of() : req.headers().getAll("X-Forwarded-For"),
        engine.policy());
    Context context = Vertx.currentContext();
    if (engine.needsBody(method, path)) {
      readBody(req).onComplete(read -> {
        if (read.failed()) {
          if (read.cause() == TOO_LARGE) {
            JsonErrors.send(req.response().putHeader("Connection", "close"), 413,
                "BODY_TOO_LARGE", "this endpoint counts requests per a field of the JSON body,"
                    + " and bodies over " + maxBodyBytes + " bytes are not read");
          } else { // the client broke off, or its body is not valid HTTP
            JsonErrors.send(req.response().putHeader("Connection", "close"), 400,
                "BAD_BODY", "the request body could not be read");
          }
          return;
        }
        Buffer body = read.result();
        decideThenForward(engine, req, new GatewayRequest(method, path, req.headers(), true, client,
            req::getParam, body, -1), context, body);
      });
    } else {
      decideThenForward(engine, req, new GatewayRequest(method, path, req.headers(), true, client,
          req::getParam, null, -1), context, null);
    }
  }

  private void decideThenForward(Sluice engine, HttpServerRequest req, GatewayRequest view,
      Context context, Buffer body) {
    Future<Decision> decided;
    try {
      decided = decider.decide(engine, view, context);
    } catch (RuntimeException e) {
      decided = Future.failedFuture(e);
    }
    decided.onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(Level.ERROR, "deciding " + req.method() + " " + view.path() + " failed", ar.cause());
        JsonErrors.send(req.response(), 500, "INTERNAL_ERROR", "the request could not be decided");
        req.resume();
        return;
      }
      Decision d = ar.result();
      if (!d.allowed()) {
        Decider.refuse(engine, d, req.response());
        if (body == null) {
          req.resume(); // drain what the client still sends; it goes nowhere
        }
        return;
      }
      forward(req, body, engine, engine.headers(d));
    });
  }

  /** Reads the body, failing if it exceeds the cap. */
  private Future<Buffer> readBody(HttpServerRequest req) {
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > maxBodyBytes) {
          return Future.failedFuture(TOO_LARGE);
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture("bad length"); // Netty refuses these before we see them
      }
    }
    io.vertx.core.Promise<Buffer> promise = io.vertx.core.Promise.promise();
    Buffer body = Buffer.buffer();
    req.handler(chunk -> {
      if (body.length() + chunk.length() > maxBodyBytes) {
        req.handler(null);
        req.endHandler(null);
        promise.tryFail(TOO_LARGE);
        return;
      }
      body.appendBuffer(chunk);
    });
    req.endHandler(v -> promise.tryComplete(body));
    req.exceptionHandler(promise::tryFail);
    req.resume();
    return promise.future();
  }

  /** Forwards under {@code engine}'s policy: the one that decided, even if a reload came since. */
  private void forward(HttpServerRequest req, Buffer body, Sluice engine, List<Header> rateHeaders) {
    MultiMap headers = HttpHeaders.headers();
    HopByHop.copyEndToEnd(req.headers(), headers, REWRITTEN);
    boolean trusted = engine.policy().isTrustedProxy(req.remoteAddress().hostAddress());
    String peer = req.remoteAddress().hostAddress();
    String priorFor = trusted ? String.join(", ", req.headers().getAll("X-Forwarded-For")) : "";
    headers.set("X-Forwarded-For", priorFor.isEmpty() ? peer : priorFor + ", " + peer);
    String proto = trusted ? req.getHeader("X-Forwarded-Proto") : null;
    headers.set("X-Forwarded-Proto", proto != null ? proto : req.scheme() != null ? req.scheme() : "http");
    String host = trusted ? req.getHeader("X-Forwarded-Host") : null;
    if (host == null) {
      host = req.authority() != null ? req.authority().toString() : req.getHeader("Host");
    }
    if (host != null) {
      headers.set("X-Forwarded-Host", host);
    }
    RequestOptions options = upstream.options(req.method(), req.uri()).setHeaders(headers);
    HttpServerResponse response = req.response();
    client.request(options).onComplete(opened -> {
      if (opened.failed()) {
        upstreamFailed(req, opened.cause(), rateHeaders);
        return;
      }
      HttpClientRequest out = opened.result();
      if (response.closed()) { // the client went while the upstream connection was opening
        out.reset();
        return;
      }
      response.closeHandler(v -> out.reset());
      Future<HttpClientResponse> answered;
      if (body != null) {
        answered = out.send(body);
      } else if (req.getHeader(HttpHeaders.CONTENT_LENGTH) != null) {
        out.putHeader(HttpHeaders.CONTENT_LENGTH, req.getHeader(HttpHeaders.CONTENT_LENGTH));
        answered = out.send(req);
      } else if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
        out.setChunked(true);
        answered = out.send(req);
      } else {
        req.resume();
        answered = out.send();
      }
      answered.onComplete(ar -> {
        if (ar.failed()) {
          if (response.closed()) {
            // The client left, or broke its own request (a malformed chunked body makes Vert.x
            // close the connection): the forward was reset for it, and the upstream is not to
            // blame; no upstream error is counted or logged, and there is no one to answer.
            return;
          }
          upstreamFailed(req, ar.cause(), rateHeaders);
          return;
        }
        relay(ar.result(), response, rateHeaders);
      });
    });
  }

  private void relay(HttpClientResponse in, HttpServerResponse response, List<Header> rateHeaders) {
    if (response.closed()) {
      in.request().reset();
      return;
    }
    response.setStatusCode(in.statusCode());
    if (in.statusMessage() != null) {
      response.setStatusMessage(in.statusMessage());
    }
    HopByHop.copyEndToEnd(in.headers(), response.headers());
    for (Header h : rateHeaders) {
      response.headers().set(h.name(), h.value());
    }
    String length = response.headers().get(HttpHeaders.CONTENT_LENGTH);
    if (length != null && isSmall(length)) {
      // A small answer of known length (most API responses) is read whole and written with one
      // flush: streaming it would cost a write and a flush per piece the upstream sent.
      in.body().onComplete(body -> {
        if (body.succeeded()) {
          response.end(body.result());
        } else if (!response.closed()) { // a client that left is not the upstream's failure
          if (!drainExpired) { // nor is a forward cut short at shutdown
            metrics.upstreamFailed("reset");
          }
          response.reset();
        }
      });
      return;
    }
    if (length == null) {
      response.setChunked(true);
    }
    // Not response.send(in): its pipe ends the response when the upstream fails mid-body, and a
    // chunked answer cut short would then look complete. A reset is the only honest signal.
    in.pipe().endOnFailure(false).to(response).onFailure(e -> {
      if (!response.closed()) { // a client that left is not the upstream's failure
        if (!drainExpired) { // nor is a forward cut short at shutdown
          metrics.upstreamFailed("reset");
        }
        response.reset();
      }
    });
  }

  /** Whether a Content-Length is at most {@value #SMALL_BODY} bytes. */
  private static boolean isSmall(String contentLength) {
    int n = contentLength.length();
    if (n == 0 || n > 5) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = contentLength.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return Integer.parseInt(contentLength) <= SMALL_BODY;
  }

  private static final int SMALL_BODY = 16 * 1024;

  /** A 502 or 504; the request was counted, so it carries the rate-limit headers as a 200 would. */
  private void upstreamFailed(HttpServerRequest req, Throwable cause, List<Header> rateHeaders) {
    if (!req.response().headWritten()) {
      for (Header h : rateHeaders) {
        req.response().headers().set(h.name(), h.value());
      }
    }
    if (drainExpired) {
      // Not the upstream's failure: the gateway is stopping and closed the forward itself.
      JsonErrors.send(req.response().putHeader("Connection", "close").putHeader("Retry-After", "1"),
          503, "SHUTTING_DOWN", "the gateway is shutting down and the upstream did not answer"
              + " within the drain time; retry");
      req.resume();
      return;
    }
    // Vert.x's request idle timeout (NoStackTraceTimeoutException), Netty's connect timeout, the
    // JDK's: by type, the upstream was too slow.
    boolean timeout = cause instanceof TimeoutException
        || cause.getClass().getSimpleName().contains("TimeoutException");
    metrics.upstreamFailed(timeout ? "timeout" : "connect");
    long now = System.nanoTime();
    long last = lastUpstreamLog.get();
    if (now - last >= LOG_EVERY_NANOS && lastUpstreamLog.compareAndSet(last, now)) {
      LOG.log(Level.WARNING, "the upstream {0} {1}: {2} (logged at most every 10 s)", upstream,
          timeout ? "did not answer in time" : "could not be reached", String.valueOf(cause));
    }
    // The client learns what happened, not the upstream's address or the resolver's words.
    if (timeout) {
      JsonErrors.send(req.response(), 504, "UPSTREAM_TIMEOUT", "the upstream did not answer in time");
    } else {
      JsonErrors.send(req.response(), 502, "UPSTREAM_UNAVAILABLE", "the upstream could not be reached");
    }
    req.resume();
  }
}
