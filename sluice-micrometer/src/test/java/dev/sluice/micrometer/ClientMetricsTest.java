package dev.sluice.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.RateLimitListener.WaitCause;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ClientMetrics metrics = new ClientMetrics(registry);
  private final HttpRequest request =
      HttpRequest.newBuilder(URI.create("https://api.example.com/v1/items")).build();

  @Test
  void waits_areTimedByHostAndCause() {
    metrics.onWait(request, Duration.ofSeconds(3), WaitCause.RETRY_AFTER);
    metrics.onWait(request, Duration.ofSeconds(1), WaitCause.RETRY_AFTER);

    var timer =
        registry
            .get("sluice.client.waits")
            .tag("host", "api.example.com")
            .tag("cause", "RETRY_AFTER")
            .timer();
    assertThat(timer.count()).isEqualTo(2);
    assertThat(timer.totalTime(java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(4.0);
  }

  @Test
  void retries_areCountedByHostAndStatus() {
    metrics.onRetry(request, 2, 429);
    metrics.onRetry(request, 3, 429);
    metrics.onRetry(request, 2, -1);

    assertThat(registry.get("sluice.client.retries").tag("status", "429").counter().count())
        .isEqualTo(2);
    assertThat(registry.get("sluice.client.retries").tag("status", "-1").counter().count())
        .isEqualTo(1);
  }
}
