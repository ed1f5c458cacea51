package dev.sluice.client.apache;

import dev.sluice.client.Exchange;
import dev.sluice.client.RateLimitEngine;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URISyntaxException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;

/**
 * sluice-client's {@link RateLimitEngine} as an Apache HttpClient 5 (classic) exec chain handler:
 * requests are paced from the limit headers (one timeline per origin, shared by every request
 * through the client), a 429 (or 503) is retried after its {@code Retry-After} (seconds or
 * HTTP-date), else after exponential back-off with full jitter, idempotent requests are retried
 * after connection failures, and retries of failing servers are kept within a budget. When it gives
 * up, the last response is returned as it is.
 *
 * <pre>{@code
 * CloseableHttpClient http = HttpClients.custom()
 *     .addExecInterceptorFirst(SluiceApache.NAME, SluiceApache.handler())
 *     .disableAutomaticRetries()  // the handler retries; HttpClient's own strategy would too
 *     .build();
 * }</pre>
 */
public final class SluiceApache {
  /** The name to register the handler under. */
  public static final String NAME = "sluice";

  private SluiceApache() {}

  /** A handler with the engine's defaults. */
  public static ExecChainHandler handler() {
    return handler(RateLimitEngine.builder().build());
  }

  /** A handler deciding with {@code engine}. */
  public static ExecChainHandler handler(RateLimitEngine engine) {
    return new Handler(engine);
  }

  private static final class Handler implements ExecChainHandler {
    private final RateLimitEngine engine;

    Handler(RateLimitEngine engine) {
      this.engine = engine;
    }

    @Override
    public ClassicHttpResponse execute(
        ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
        throws IOException, HttpException {
      HttpEntity entity = request.getEntity();
      Exchange exchange;
      try {
        exchange =
            engine.begin(
                request.getMethod(),
                request.getUri(),
                request.containsHeader("Idempotency-Key"),
                entity == null || entity.isRepeatable());
      } catch (URISyntaxException e) {
        return chain.proceed(
            request, scope); // nothing to pace by; the chain will say what is wrong
      }
      while (true) {
        for (long w = exchange.beforeAttempt(); w > 0; w = exchange.recheck()) {
          sleep(exchange, w);
        }
        ClassicHttpResponse response;
        try {
          response = chain.proceed(request, scope);
        } catch (IOException e) {
          long wait = exchange.onFailure(e);
          if (wait < 0) {
            throw e;
          }
          sleep(exchange, wait);
          continue;
        } catch (HttpException | RuntimeException e) {
          exchange.failed();
          throw e;
        }
        long wait = exchange.onResponse(response.getCode(), headers(response.getHeaders()));
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
      return "SluiceApache.handler[" + engine + "]";
    }
  }

  static HttpHeaders headers(Header[] headers) {
    Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Header h : headers) {
      map.computeIfAbsent(h.getName(), k -> new ArrayList<>()).add(h.getValue());
    }
    return HttpHeaders.of(map, (n, v) -> true);
  }
}
