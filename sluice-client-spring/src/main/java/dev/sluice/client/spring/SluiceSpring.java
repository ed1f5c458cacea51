package dev.sluice.client.spring;

import dev.sluice.client.Exchange;
import dev.sluice.client.RateLimitEngine;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * sluice-client's {@link RateLimitEngine} for Spring Framework 6: requests are paced from the limit
 * headers (one timeline per origin, shared by every request through the same interceptor or
 * filter), a 429 (or 503) is retried after its {@code Retry-After} (seconds or HTTP-date), else
 * after exponential back-off with full jitter, idempotent requests are retried after connection
 * failures, and retries of failing servers are kept within a budget. When the engine gives up, the
 * last response is returned as it is (RestClient's and WebClient's own status handling then apply).
 *
 * <pre>{@code
 * RestClient rest = RestClient.builder().requestInterceptor(SluiceSpring.interceptor()).build();
 * RestTemplate template = new RestTemplateBuilder().additionalInterceptors(SluiceSpring.interceptor()).build();
 * WebClient web = WebClient.builder().filter(SluiceSpring.filter()).build();
 * }</pre>
 *
 * <p>The interceptor blocks the calling thread while it waits and sends the request again through
 * the rest of the chain: add it last. The filter waits without blocking, on the engine's {@link
 * dev.sluice.client.Sleeper#sleepAsync}.
 */
public final class SluiceSpring {
  private SluiceSpring() {}

  /** A RestClient/RestTemplate interceptor with the engine's defaults. */
  public static ClientHttpRequestInterceptor interceptor() {
    return interceptor(RateLimitEngine.builder().build());
  }

  /** A RestClient/RestTemplate interceptor deciding with {@code engine}. */
  public static ClientHttpRequestInterceptor interceptor(RateLimitEngine engine) {
    return new Interceptor(engine);
  }

  /** A WebClient filter with the engine's defaults. */
  public static ExchangeFilterFunction filter() {
    return filter(RateLimitEngine.builder().build());
  }

  /** A WebClient filter deciding with {@code engine}. */
  public static ExchangeFilterFunction filter(RateLimitEngine engine) {
    return (request, next) -> Mono.defer(() -> new Filtered(engine, request, next).attempt());
  }

  static HttpHeaders headers(Map<String, List<String>> spring) {
    return HttpHeaders.of(new LinkedHashMap<>(spring), (n, v) -> true);
  }

  private static final class Interceptor implements ClientHttpRequestInterceptor {
    private final RateLimitEngine engine;

    Interceptor(RateLimitEngine engine) {
      this.engine = engine;
    }

    @Override
    public ClientHttpResponse intercept(
        HttpRequest request, byte[] body, ClientHttpRequestExecution execution) throws IOException {
      Exchange exchange =
          engine.begin(
              request.getMethod().name(),
              request.getURI(),
              request.getHeaders().containsKey("Idempotency-Key"),
              true); // a byte array: sent again as it is
      while (true) {
        for (long w = exchange.beforeAttempt(); w > 0; w = exchange.recheck()) {
          sleep(exchange, w);
        }
        ClientHttpResponse response;
        try {
          response = execution.execute(request, body);
        } catch (IOException e) {
          long wait = exchange.onFailure(e);
          if (wait < 0) {
            throw e;
          }
          sleep(exchange, wait);
          continue;
        }
        long wait =
            exchange.onResponse(response.getStatusCode().value(), headers(response.getHeaders()));
        if (wait < 0) {
          return response;
        }
        response.close();
        sleep(exchange, wait);
      }
    }

    private void sleep(Exchange exchange, long nanos) throws IOException {
      try {
        engine.sleeper().sleep(Duration.ofNanos(nanos));
      } catch (InterruptedException e) {
        exchange.failed();
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting to send (rate limit)");
      }
    }

    @Override
    public String toString() {
      return "SluiceSpring.interceptor[" + engine + "]";
    }
  }

  /** One WebClient request through the engine. */
  private static final class Filtered {
    private final RateLimitEngine engine;
    private final ClientRequest request;
    private final ExchangeFunction next;
    private final Exchange exchange;

    Filtered(RateLimitEngine engine, ClientRequest request, ExchangeFunction next) {
      this.engine = engine;
      this.request = request;
      this.next = next;
      this.exchange =
          engine.begin(
              request.method().name(),
              request.url(),
              request.headers().containsKey("Idempotency-Key"),
              true);
    }

    Mono<ClientResponse> attempt() {
      return slot(exchange.beforeAttempt())
          .then(Mono.defer(() -> next.exchange(request)))
          .onErrorResume(
              e -> {
                IOException io = ioCause(e);
                long wait = io == null ? -1 : exchange.onFailure(io);
                if (io == null) {
                  exchange.failed();
                }
                return wait < 0 ? Mono.error(e) : delay(wait).then(Mono.defer(this::attempt));
              })
          .flatMap(
              response -> {
                long wait =
                    exchange.onResponse(
                        response.statusCode().value(), headers(response.headers().asHttpHeaders()));
                if (wait < 0) {
                  return Mono.just(response);
                }
                return response.releaseBody().then(delay(wait)).then(Mono.defer(this::attempt));
              });
    }

    private Mono<Void> slot(long nanos) {
      return nanos <= 0
          ? Mono.empty()
          : delay(nanos).then(Mono.defer(() -> slot(exchange.recheck())));
    }

    private Mono<Void> delay(long nanos) {
      return nanos <= 0
          ? Mono.empty()
          : Mono.fromFuture(() -> engine.sleeper().sleepAsync(Duration.ofNanos(nanos)));
    }

    private static IOException ioCause(Throwable e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof IOException io) {
          return io;
        }
      }
      return null;
    }
  }
}
