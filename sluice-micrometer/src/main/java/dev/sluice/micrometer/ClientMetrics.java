package dev.sluice.micrometer;

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
 * RateLimitedClient.builder(http).listener(new ClientMetrics(registry)).build();
 * SluiceInterceptor.create(RateLimitEngine.builder().listener(new ClientMetrics(registry)).build());
 * }</pre>
 *
 * Needs sluice-client on the class path, which sluice-micrometer does not bring (an optional
 * dependency): a client has it already. The names are {@link MeterNames}'.
 */
public final class ClientMetrics implements RateLimitListener {
  private final MeterRegistry registry;

  /** Records into {@code registry}. */
  public ClientMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  @Override
  public void onWait(HttpRequest request, Duration wait, WaitCause cause) {
    Timer.builder(MeterNames.CLIENT_WAITS)
        .description("waits before sending, by cause")
        .tag(MeterNames.HOST, host(request))
        .tag(MeterNames.CAUSE, cause.name())
        .register(registry)
        .record(wait);
  }

  @Override
  public void onRetry(HttpRequest request, int attempt, int status) {
    Counter.builder(MeterNames.CLIENT_RETRIES)
        .description("requests sent again")
        .tag(MeterNames.HOST, host(request))
        .tag(MeterNames.STATUS, Integer.toString(status))
        .register(registry)
        .increment();
  }

  @Override
  public void onGiveUp(HttpRequest request, GiveUpException exception) {
    Counter.builder(MeterNames.CLIENT_GIVEUPS)
        .description("requests abandoned while rate-limited")
        .tag(MeterNames.HOST, host(request))
        .tag(MeterNames.REASON, exception.reason().name())
        .register(registry)
        .increment();
  }

  private static String host(HttpRequest request) {
    String host = request.uri().getHost();
    return host == null ? "unknown" : host;
  }
}
