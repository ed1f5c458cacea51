package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.Pacing;
import dev.sluice.client.RateLimitedClient;
import dev.sluice.client.RetryPolicy;
import dev.sluice.core.store.InMemoryStore;
import io.vertx.core.Future;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client SDK against a real gateway on the real clock (the client paces by real time, so no
 * manual clock here): 20 threads share one {@link RateLimitedClient} and send 300 requests through
 * a limit of 50 per 2 s. Every request must end 200; with pacing on the gateway barely denies, with
 * pacing off every 429 is recovered by waiting as {@code Retry-After} says. Each case takes at
 * least the ~10 s that 300 requests need at 25 a second.
 */
class ClientSdkEndToEndIT {
  static final int THREADS = 20;
  static final int REQUESTS = 300;
  static final int LIMIT = 50;

  @TempDir Path dir;
  TestUpstream upstream;
  Gateway gateway;
  HttpClient http;

  @BeforeEach
  void start() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global:\n  key: ip\n  limits: " + LIMIT + "/2s\n");
    upstream = new TestUpstream();
    Engines engines = new Engines(policy, InMemoryStore.create(), null);
    gateway =
        Gateway.start(
            engines,
            new Gateway.Options(
                "127.0.0.1",
                0,
                "127.0.0.1",
                0,
                Upstream.parse(upstream.url(), Duration.ofSeconds(10)),
                64 * 1024,
                2,
                Duration.ofSeconds(2)),
            () -> Future.succeededFuture("memory"));
    http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  @AfterEach
  void close() {
    gateway.close();
    upstream.close();
  }

  @Test
  void paced_allRequestsSucceed_andTheGatewayBarelyDenies() throws Exception {
    RateLimitedClient client = client(Pacing.spread());

    List<Integer> statuses = sendAll(client);

    assertThat(statuses).hasSize(REQUESTS).containsOnly(200);
    assertThat(upstream.received).hasSize(REQUESTS);
    // Unpaced, about 20 of every window's requests are refused (see below). Paced, a refusal
    // needs a stale reading racing a window's turn; a tenth of that is a bound with room.
    assertThat(deniedByGateway())
        .as("429s the gateway answered")
        .isLessThanOrEqualTo(REQUESTS / 10);
  }

  @Test
  void unpaced_every429IsRecoveredByRetrying() throws Exception {
    RateLimitedClient client = client(Pacing.off());

    List<Integer> statuses = sendAll(client);

    assertThat(statuses).hasSize(REQUESTS).containsOnly(200);
    assertThat(upstream.received).as("denied requests never reached it").hasSize(REQUESTS);
    assertThat(deniedByGateway()).as("bursting into the limit is refused").isPositive();
  }

  private RateLimitedClient client(Pacing pacing) {
    return RateLimitedClient.builder(http)
        .policy(
            RetryPolicy.builder()
                .maxAttempts(20)
                .maxWait(Duration.ofSeconds(5))
                .deadline(Duration.ofSeconds(60))
                .noRetryBudget()
                .build())
        .pacing(pacing)
        .build();
  }

  /** Sends {@link #REQUESTS} GETs from {@link #THREADS} threads; their final statuses. */
  private List<Integer> sendAll(RateLimitedClient client) throws Exception {
    AtomicInteger next = new AtomicInteger();
    List<Integer> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < REQUESTS; i = next.getAndIncrement()) {
                    HttpRequest r =
                        HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + gateway.port() + "/items/" + i))
                            .timeout(Duration.ofSeconds(30))
                            .GET()
                            .build();
                    statuses.add(client.send(r, HttpResponse.BodyHandlers.ofString()).statusCode());
                  }
                  return null;
                }));
      }
      for (var d : done) {
        d.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return statuses;
  }

  /** {@code sluice_decisions_total{outcome="denied"}}, summed over rules. */
  private long deniedByGateway() throws Exception {
    String metrics =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m =
        Pattern.compile("(?m)^sluice_decisions_total\\{[^}]*outcome=\"denied\"[^}]*\\} (\\S+)$")
            .matcher(metrics);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return (long) sum;
  }
}
