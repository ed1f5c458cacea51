package dev.sluice.client.micrometer;

import dev.sluice.client.GiveUpException;
import dev.sluice.client.RateLimitListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@link RateLimitListener} that records what a sluice-client (or adapter) does about rate limits
 * in a Micrometer registry, tagged by host:
 *
 * <ul>
 *   <li>{@code sluice.client.waits} (timer; tags {@code host}, {@code cause}: {@code PACING},
 *       {@code RETRY_AFTER}, {@code RESET}, {@code BACKOFF}): every wait before a request;
 *   <li>{@code sluice.client.retries} (counter; tags {@code host}, {@code status}, -1 for a
 *       transport failure): every retry;
 *   <li>{@code sluice.client.giveups} (counter; tags {@code host}, {@code reason}): every request
 *       abandoned.
 * </ul>
 *
 * <pre>{@code
 * RateLimitedClient.builder(http).listener(new SluiceMetrics(registry)).build();
 * SluiceInterceptor.create(RateLimitEngine.builder().listener(new SluiceMetrics(registry)).build());
 * }</pre>
 */
public final class SluiceMetrics implements RateLimitListener {
  private final MeterRegistry registry;

  /** Records into {@code registry}. */
  public SluiceMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  @Override
  public void onWait(HttpRequest request, Duration wait, WaitCause cause) {
    Timer.builder("sluice.client.waits")
        .description("waits before sending, by cause")
        .tag("host", host(request))
        .tag("cause", cause.name())
        .register(registry)
        .record(wait);
  }

  @Override
  public void onRetry(HttpRequest request, int attempt, int status) {
    Counter.builder("sluice.client.retries")
        .description("requests sent again")
        .tag("host", host(request))
        .tag("status", Integer.toString(status))
        .register(registry)
        .increment();
  }

  @Override
  public void onGiveUp(HttpRequest request, GiveUpException exception) {
    Counter.builder("sluice.client.giveups")
        .description("requests abandoned while rate-limited")
        .tag("host", host(request))
        .tag("reason", exception.reason().name())
        .register(registry)
        .increment();
  }

  private static String host(HttpRequest request) {
    String host = request.uri().getHost();
    return host == null ? "unknown" : host;
  }
}
