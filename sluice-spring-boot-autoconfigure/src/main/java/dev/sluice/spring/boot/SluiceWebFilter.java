package dev.sluice.spring.boot;

import dev.sluice.core.Answer;
import dev.sluice.core.Decision;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.ClientAddress;
import dev.sluice.core.http.Header;
import dev.sluice.core.http.InvalidRequestException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Sluice in a WebFlux app: the Servlet filter's behaviour, without blocking an event loop. An
 * in-memory store decides in the caller's thread (a few hundred nanoseconds, no lock held across
 * I/O); a remote store ({@link dev.sluice.core.store.Store#blocks()}) through {@link
 * Sluice#decideAsync}, the app then going on in Reactor's parallel scheduler rather than the store
 * client's I/O thread.
 */
final class SluiceWebFilter implements WebFilter, Ordered {
  private static final System.Logger LOG = System.getLogger("dev.sluice.spring");

  private final SluiceEngine engine;
  private final SluiceKeyResolver resolver;
  private final int order;

  SluiceWebFilter(SluiceEngine engine, SluiceKeyResolver resolver, int order) {
    this.engine = engine;
    this.resolver = resolver;
    this.order = order;
  }

  @Override
  public int getOrder() {
    return order;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    Sluice sluice = engine.current();
    boolean shadow = engine.shadow();
    ServerHttpRequest request = exchange.getRequest();
    String method = request.getMethod().name();
    String path;
    try {
      path = sluice.canonicalPath(request.getURI().getRawPath());
    } catch (InvalidRequestException e) {
      return refuseOrPass(Responses.badPath(e), shadow, exchange, chain);
    }
    if (!sluice.needsBody(method, path)) {
      return withPrincipal(sluice, exchange, chain, method, path, null);
    }
    int max = engine.maxBodyBytes();
    if (request.getHeaders().getContentLength() > max) {
      return shadow
          ? withPrincipal(sluice, exchange, chain, method, path, null)
          : write(exchange.getResponse(), Responses.tooLarge(max));
    }
    if (shadow) { // never refused: the whole body is kept for the app, however long
      return request
          .getBody()
          .collectList()
          .flatMap(
              buffers -> {
                int size = buffers.stream().mapToInt(DataBuffer::readableByteCount).sum();
                byte[] bytes = size > max ? null : copy(buffers);
                ServerWebExchange onward = withBody(exchange, Flux.fromIterable(buffers));
                return withPrincipal(sluice, onward, chain, method, path, bytes);
              });
    }
    return DataBufferUtils.join(request.getBody(), max)
        .map(
            joined -> {
              byte[] bytes = new byte[joined.readableByteCount()];
              joined.read(bytes);
              DataBufferUtils.release(joined);
              return bytes;
            })
        .defaultIfEmpty(new byte[0])
        .flatMap(
            bytes -> {
              ServerWebExchange onward =
                  withBody(
                      exchange,
                      Flux.defer(
                          () -> Flux.just(exchange.getResponse().bufferFactory().wrap(bytes))));
              return withPrincipal(sluice, onward, chain, method, path, bytes);
            })
        .onErrorResume(
            DataBufferLimitException.class,
            e -> write(exchange.getResponse(), Responses.tooLarge(max)));
  }

  private static byte[] copy(List<DataBuffer> buffers) {
    int size = buffers.stream().mapToInt(DataBuffer::readableByteCount).sum();
    byte[] bytes = new byte[size];
    int at = 0;
    for (DataBuffer b : buffers) {
      int n = b.readableByteCount();
      b.toByteBuffer(b.readPosition(), java.nio.ByteBuffer.wrap(bytes, at, n), 0, n);
      at += n;
    }
    return bytes;
  }

  private static ServerWebExchange withBody(ServerWebExchange exchange, Flux<DataBuffer> body) {
    ServerHttpRequest decorated =
        new ServerHttpRequestDecorator(exchange.getRequest()) {
          @Override
          public Flux<DataBuffer> getBody() {
            return body;
          }
        };
    return exchange.mutate().request(decorated).build();
  }

  /** Finds the user first if a rule counts per {@code principal}, then decides. */
  private Mono<Void> withPrincipal(
      Sluice sluice,
      ServerWebExchange exchange,
      WebFilterChain chain,
      String method,
      String path,
      byte[] body) {
    if (!PrincipalKeySource.usedBy(sluice.policy())) {
      return decide(sluice, exchange, chain, method, path, body, null);
    }
    return exchange
        .getPrincipal()
        .map(p -> Optional.ofNullable(resolver.resolve(p)))
        .defaultIfEmpty(Optional.empty())
        .flatMap(user -> decide(sluice, exchange, chain, method, path, body, user.orElse(null)));
  }

  private Mono<Void> decide(
      Sluice sluice,
      ServerWebExchange exchange,
      WebFilterChain chain,
      String method,
      String path,
      byte[] body,
      String principal) {
    ServerHttpRequest request = exchange.getRequest();
    HttpHeaders headers = request.getHeaders();
    List<String> forwardedFor =
        sluice.policy().trustedProxies().isEmpty()
            ? List.of()
            : headers.getOrEmpty("X-Forwarded-For");
    InetSocketAddress remote = request.getRemoteAddress();
    String peer =
        remote == null
            ? null
            : remote.getAddress() != null
                ? remote.getAddress().getHostAddress()
                : remote.getHostString();
    WebRequestView view =
        WebRequestView.of(
            method,
            path,
            headers::getFirst,
            ClientAddress.resolve(peer, forwardedFor, sluice.policy()),
            request.getURI().getRawQuery(),
            body,
            () -> principal);
    boolean shadow = engine.shadow();
    if (!sluice.store().blocks()) {
      Decision d;
      try {
        d = sluice.decide(view);
      } catch (RuntimeException e) {
        return failed(e, method, path, shadow, exchange, chain);
      }
      return decided(sluice, d, shadow, exchange, chain);
    }
    // The app's own failures, downstream, are not the decision's: the decision is made (or its
    // failure answered) before the chain goes on.
    return Mono.fromCompletionStage(() -> sluice.decideAsync(view))
        .publishOn(Schedulers.parallel())
        .map(Optional::of)
        .onErrorResume(
            e -> {
              LOG.log(System.Logger.Level.ERROR, "deciding " + method + " " + path + " failed", e);
              return Mono.just(Optional.empty());
            })
        .flatMap(
            d ->
                d.isPresent()
                    ? decided(sluice, d.get(), shadow, exchange, chain)
                    : refuseOrPass(Responses.failed(), shadow, exchange, chain));
  }

  private Mono<Void> decided(
      Sluice sluice, Decision d, boolean shadow, ServerWebExchange exchange, WebFilterChain chain) {
    Answer answer = Responses.answer(sluice, d, shadow);
    if (answer instanceof Answer.Refuse refuse) {
      return write(exchange.getResponse(), refuse);
    }
    HttpHeaders out = exchange.getResponse().getHeaders();
    for (Header h : answer.headers()) {
      out.set(h.name(), h.value());
    }
    return chain.filter(exchange);
  }

  private static Mono<Void> failed(
      Throwable e,
      String method,
      String path,
      boolean shadow,
      ServerWebExchange exchange,
      WebFilterChain chain) {
    LOG.log(System.Logger.Level.ERROR, "deciding " + method + " " + path + " failed", e);
    return refuseOrPass(Responses.failed(), shadow, exchange, chain);
  }

  private static Mono<Void> refuseOrPass(
      Answer.Refuse refusal, boolean shadow, ServerWebExchange exchange, WebFilterChain chain) {
    return shadow ? chain.filter(exchange) : write(exchange.getResponse(), refusal);
  }

  /** Sluice's own answer: status, headers, the exact body, not cached. */
  static Mono<Void> write(ServerHttpResponse response, Answer.Refuse refusal) {
    if (response.isCommitted()) {
      return Mono.empty();
    }
    byte[] bytes = refusal.body().getBytes(StandardCharsets.UTF_8);
    response.setStatusCode(HttpStatusCode.valueOf(refusal.status()));
    HttpHeaders h = response.getHeaders();
    for (Header header : refusal.headers()) {
      h.set(header.name(), header.value());
    }
    h.set(HttpHeaders.CONTENT_TYPE, refusal.contentType());
    h.set(HttpHeaders.CACHE_CONTROL, "no-store");
    h.setContentLength(bytes.length);
    return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
  }
}
