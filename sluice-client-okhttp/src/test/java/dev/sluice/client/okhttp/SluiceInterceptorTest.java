package dev.sluice.client.okhttp;

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
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SluiceInterceptorTest {
  private final FakeClock clock = new FakeClock();
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private OkHttpClient client(RetryPolicy policy) {
    return new OkHttpClient.Builder()
        .addInterceptor(
            SluiceInterceptor.create(
                RateLimitEngine.builder().policy(policy).sleeper(clock).build()))
        .build();
  }

  private OkHttpClient client() {
    return client(RetryPolicy.builder().jitter(() -> 0.5).build());
  }

  private void serve(Reply... replies) throws Exception {
    Deque<Reply> script = new ArrayDeque<>(List.of(replies));
    server =
        Servers.replying(
            () -> {
              synchronized (script) {
                return script.size() > 1 ? script.poll() : script.peek();
              }
            });
  }

  private int get(OkHttpClient http) throws Exception {
    try (Response r =
        http.newCall(new Request.Builder().url(Servers.url(server)).build()).execute()) {
      return r.code();
    }
  }

  @Test
  void a429WithRetryAfterSeconds_isWaitedExactly_thenRetried() throws Exception {
    serve(new Reply(429, Map.of("Retry-After", "7")), new Reply(200, Map.of()));

    assertThat(get(client())).isEqualTo(200);
    assertThat(clock.waits()).startsWith(Duration.ofSeconds(7));
  }

  @Test
  void a429WithRetryAfterAsAnHttpDate_isWaitedUntilThatInstant() throws Exception {
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            clock.now().plusSeconds(3).atOffset(ZoneOffset.UTC));
    serve(new Reply(429, Map.of("Retry-After", date)), new Reply(200, Map.of()));

    assertThat(get(client())).isEqualTo(200);
    assertThat(clock.waits()).startsWith(Duration.ofSeconds(3));
  }

  @Test
  void a503WithoutRetryAfter_isRetriedAfterAJitteredBackoffFromOneSecond() throws Exception {
    serve(new Reply(503, Map.of()), new Reply(200, Map.of()));

    assertThat(get(client())).isEqualTo(200);
    assertThat(clock.waits()).containsExactly(Duration.ofMillis(500));
  }

  @Test
  void stillLimitedAfterMaxAttempts_theLast429IsReturnedAsItIs() throws Exception {
    serve(new Reply(429, Map.of("Retry-After", "1")));

    assertThat(get(client(RetryPolicy.builder().maxAttempts(3).build()))).isEqualTo(429);
    assertThat(clock.waits()).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void aConnectionReset_isRetriedForAGet() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    int port = Servers.resettingFirst(2, connections);
    OkHttpClient http =
        new OkHttpClient.Builder()
            .retryOnConnectionFailure(false) // the interceptor's retries, not OkHttp's own
            .addInterceptor(
                SluiceInterceptor.create(
                    RateLimitEngine.builder()
                        .policy(RetryPolicy.builder().jitter(() -> 0.5).build())
                        .sleeper(clock)
                        .build()))
            .build();

    try (Response r =
        http.newCall(new Request.Builder().url("http://127.0.0.1:" + port + "/x").build())
            .execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(connections.get()).isEqualTo(3);
    assertThat(clock.waits()).hasSize(2);
  }

  @Test
  void issue22Scenario_resetlessApi_noGiveUps_fewRefusals_closeToTheIdealTime() throws Exception {
    AtomicInteger refused = new AtomicInteger();
    server = Servers.replying(Servers.fixedWindow(clock::now, 20, 10, refused));
    OkHttpClient http =
        new OkHttpClient.Builder()
            .addInterceptor(
                SluiceInterceptor.create(RateLimitEngine.builder().sleeper(clock).build()))
            .build();
    long start = clock.nanoTime();
    long firstWindowLeft = 10_000 - clock.now().toEpochMilli() % 10_000;

    int ok = 0;
    for (int i = 0; i < 100; i++) {
      ok += get(http) == 200 ? 1 : 0;
    }

    long elapsedMs = (clock.nanoTime() - start) / 1_000_000;
    long idealMs = firstWindowLeft + 4 * 10_000; // 5 windows of 20, the first one partial
    assertThat(ok).as("none given up").isEqualTo(100);
    assertThat(refused.get()).as("a handful of 429s at most").isLessThanOrEqualTo(5);
    assertThat(elapsedMs).isLessThanOrEqualTo(idealMs + idealMs / 10 + 1_000);
  }
}
