package dev.sluice.client.apache;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.client.RateLimitEngine;
import dev.sluice.client.RetryPolicy;
import dev.sluice.client.adapters.FakeClock;
import dev.sluice.client.adapters.Servers;
import dev.sluice.client.adapters.Servers.Reply;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SluiceApacheTest {
  private final FakeClock clock = new FakeClock();
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private CloseableHttpClient client(RateLimitEngine engine) {
    return HttpClients.custom()
        .addExecInterceptorFirst(SluiceApache.NAME, SluiceApache.handler(engine))
        .disableAutomaticRetries()
        .build();
  }

  private CloseableHttpClient client() {
    return client(
        RateLimitEngine.builder()
            .policy(RetryPolicy.builder().jitter(() -> 0.5).build())
            .sleeper(clock)
            .build());
  }

  private String serve(Reply... replies) throws Exception {
    Deque<Reply> script = new ArrayDeque<>(List.of(replies));
    server =
        Servers.replying(
            () -> {
              synchronized (script) {
                return script.size() > 1 ? script.poll() : script.peek();
              }
            });
    return Servers.url(server);
  }

  private static int get(CloseableHttpClient http, String url) throws Exception {
    return http.execute(new HttpGet(url), response -> response.getCode());
  }

  @Test
  void a429WithRetryAfterSeconds_isWaitedExactly_thenRetried() throws Exception {
    String url = serve(new Reply(429, Map.of("Retry-After", "7")), new Reply(200, Map.of()));

    assertThat(get(client(), url)).isEqualTo(200);
    assertThat(clock.waits()).startsWith(Duration.ofSeconds(7));
  }

  @Test
  void a429WithRetryAfterAsAnHttpDate_isWaitedUntilThatInstant() throws Exception {
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            clock.now().plusSeconds(3).atOffset(ZoneOffset.UTC));
    String url = serve(new Reply(429, Map.of("Retry-After", date)), new Reply(200, Map.of()));

    assertThat(get(client(), url)).isEqualTo(200);
    assertThat(clock.waits()).startsWith(Duration.ofSeconds(3));
  }

  @Test
  void a503WithoutRetryAfter_isRetriedAfterAJitteredBackoff() throws Exception {
    String url = serve(new Reply(503, Map.of()), new Reply(200, Map.of()));

    assertThat(get(client(), url)).isEqualTo(200);
    assertThat(clock.waits()).containsExactly(Duration.ofMillis(500));
  }

  @Test
  void aConnectionReset_isRetriedForAGet() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    int port = Servers.resettingFirst(2, connections);

    assertThat(get(client(), "http://127.0.0.1:" + port + "/x")).isEqualTo(200);
    assertThat(connections.get()).isEqualTo(3);
  }

  @Test
  void issue22Scenario_resetlessApi_noGiveUps_fewRefusals_closeToTheIdealTime() throws Exception {
    AtomicInteger refused = new AtomicInteger();
    server = Servers.replying(Servers.fixedWindow(clock::now, 20, 10, refused));
    CloseableHttpClient http = client(RateLimitEngine.builder().sleeper(clock).build());
    long start = clock.nanoTime();
    long firstWindowLeft = 10_000 - clock.now().toEpochMilli() % 10_000;

    int ok = 0;
    for (int i = 0; i < 100; i++) {
      ok += get(http, Servers.url(server)) == 200 ? 1 : 0;
    }

    long elapsedMs = (clock.nanoTime() - start) / 1_000_000;
    long idealMs = firstWindowLeft + 4 * 10_000;
    assertThat(ok).as("none given up").isEqualTo(100);
    assertThat(refused.get()).as("a handful of 429s at most").isLessThanOrEqualTo(5);
    assertThat(elapsedMs).isLessThanOrEqualTo(idealMs + 10_000 + 1_000);
  }
}
