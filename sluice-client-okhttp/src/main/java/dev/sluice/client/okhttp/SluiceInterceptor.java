package dev.sluice.client.okhttp;

import dev.sluice.client.Exchange;
import dev.sluice.client.RateLimitEngine;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.Objects;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * An OkHttp application {@link Interceptor} that lives within the rate limits of the APIs it calls,
 * with sluice-client's {@link RateLimitEngine}: requests are paced from the limit headers (one
 * timeline per origin, shared by every call through the interceptor), a 429 (or 503) is retried
 * after its {@code Retry-After} (seconds or HTTP-date), else after exponential back-off with full
 * jitter, idempotent requests are retried after connection failures, and retries of failing servers
 * are kept within a budget.
 *
 * <pre>{@code
 * OkHttpClient http = new OkHttpClient.Builder().addInterceptor(SluiceInterceptor.create()).build();
 * }</pre>
 *
 * <p>When the engine gives up, the last response (a 429, say) is returned to the caller as it is,
 * as OkHttp returns any other status; a transport failure that is not retried is thrown. Waits
 * block the calling thread (for {@code enqueue}, one of the dispatcher's). Add it with {@code
 * addInterceptor}, not {@code addNetworkInterceptor}: a network interceptor may not send a request
 * twice.
 */
public final class SluiceInterceptor implements Interceptor {
  private final RateLimitEngine engine;

  private SluiceInterceptor(RateLimitEngine engine) {
    this.engine = engine;
  }

  /** An interceptor with the engine's defaults: paced, default retry policy and budget. */
  public static SluiceInterceptor create() {
    return new SluiceInterceptor(RateLimitEngine.builder().build());
  }

  /** An interceptor deciding with {@code engine} (its policy, pacing, listeners and clock). */
  public static SluiceInterceptor create(RateLimitEngine engine) {
    return new SluiceInterceptor(Objects.requireNonNull(engine, "engine"));
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    RequestBody body = request.body();
    boolean replayable = body == null || (!body.isOneShot() && body.contentLength() >= 0);
    Exchange exchange =
        engine.begin(
            request.method(),
            request.url().uri(),
            request.header("Idempotency-Key") != null,
            replayable);
    while (true) {
      for (long w = exchange.beforeAttempt(); w > 0; w = exchange.recheck()) {
        sleep(exchange, w);
      }
      Response response;
      try {
        response = chain.proceed(request);
      } catch (IOException e) {
        long wait = exchange.onFailure(e);
        if (wait < 0) {
          throw e;
        }
        sleep(exchange, wait);
        continue;
      }
      long wait =
          exchange.onResponse(
              response.code(), HttpHeaders.of(response.headers().toMultimap(), (n, v) -> true));
      if (wait < 0) {
        return response;
      }
      response.close(); // unread: its body is not wanted
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
    return "SluiceInterceptor[" + engine + "]";
  }
}
