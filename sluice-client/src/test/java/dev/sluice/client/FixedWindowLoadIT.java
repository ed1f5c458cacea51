package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end scenario, against a real server enforcing 50 requests per 2-second window
 * (windows aligned on the epoch, headers as in the IPTO and Convotic rate-limit pages), in real
 * time: the one test that takes real seconds (about 12). The paced and the unpaced load run side by
 * side, each against its own server, so the test costs the time of one. It runs in the
 * integration-test phase ({@code ./mvnw verify}), not in {@code ./mvnw test}.
 */
class FixedWindowLoadIT {
  private static final int LIMIT = 50;
  private static final Duration WINDOW = Duration.ofSeconds(2);
  private static final int THREADS = 20;
  private static final int REQUESTS = 300;

  /** What one load did: how long it took and what went wrong. */
  record Load(Duration elapsed, int succeeded, List<String> failures) {}

  @Test
  void twentyThreadsThroughOneClient_pacedMeetNo429_unpacedRecoverFromEvery429() throws Exception {
    FixedWindowApi pacedApi = new FixedWindowApi(Instant::now, LIMIT, WINDOW, Instant.EPOCH);
    FixedWindowApi unpacedApi = new FixedWindowApi(Instant::now, LIMIT, WINDOW, Instant.EPOCH);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    RateLimitedClient paced = RateLimitedClient.builder(http).pacing(Pacing.spread()).build();
    RateLimitedClient unpaced =
        RateLimitedClient.builder(http)
            .pacing(Pacing.off())
            // this load is about recovering: every request may need several tries, and the budget,
            // which would rightly refuse this many retries, is not what is tested here
            .policy(RetryPolicy.builder().maxAttempts(20).noRetryBudget().build())
            .build();

    Load pacedLoad;
    Load unpacedLoad;
    try (TestServer pacedServer = TestServer.start(pacedApi, 8);
        TestServer unpacedServer = TestServer.start(unpacedApi, 8)) {
      CompletableFuture<Load> p =
          CompletableFuture.supplyAsync(() -> load(paced, pacedServer.uri("/v1/assets")));
      CompletableFuture<Load> u =
          CompletableFuture.supplyAsync(() -> load(unpaced, unpacedServer.uri("/v1/assets")));
      pacedLoad = p.get(40, TimeUnit.SECONDS);
      unpacedLoad = u.get(40, TimeUnit.SECONDS);
    }

    Map<Long, Integer> pacedWindows = pacedApi.admittedPerWindow();
    System.out.printf(
        "paced:   %s, %d 429s, admitted per window %s%n",
        pacedLoad.elapsed(), pacedApi.refused(), pacedWindows.values());
    System.out.printf(
        "unpaced: %s, %d 429s, admitted per window %s%n",
        unpacedLoad.elapsed(), unpacedApi.refused(), unpacedApi.admittedPerWindow().values());

    assertThat(pacedLoad.failures()).isEmpty();
    assertThat(pacedLoad.succeeded()).isEqualTo(REQUESTS);
    assertThat(pacedApi.refused()).as("the paced client never exceeds the limit").isZero();
    List<Integer> perWindow = new ArrayList<>(pacedWindows.values());
    assertThat(perWindow.size())
        .as(
            "300 at 50 per window: 6 windows, 7 if the first was joined"
                + " late, 8 if the first burst straddled a reset")
        .isLessThanOrEqualTo(8);
    assertThat(perWindow.subList(Math.min(2, perWindow.size()), perWindow.size() - 1))
        .as(
            "once under way, the pace fills each window (the first ones follow an unpaced burst"
                + " and conservative estimates)")
        .allSatisfy(n -> assertThat(n).isBetween(45, 50));

    assertThat(unpacedLoad.failures()).isEmpty();
    assertThat(unpacedLoad.succeeded()).isEqualTo(REQUESTS);
    assertThat(unpacedApi.refused()).as("without pacing, the burst meets 429s").isPositive();
  }

  private static Load load(RateLimitedClient client, URI uri) {
    AtomicInteger toSend = new AtomicInteger(REQUESTS);
    AtomicInteger succeeded = new AtomicInteger();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    long start = System.nanoTime();
    for (int t = 0; t < THREADS; t++) {
      threads.execute(
          () -> {
            while (toSend.getAndDecrement() > 0) {
              try {
                int status =
                    client
                        .send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString())
                        .statusCode();
                if (status == 200) {
                  succeeded.incrementAndGet();
                } else {
                  failures.add("status " + status);
                }
              } catch (Exception e) {
                failures.add(e.toString());
              }
            }
          });
    }
    threads.shutdown();
    try {
      if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
        threads.shutdownNow();
        failures.add("did not finish in 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failures.add("interrupted");
    }
    return new Load(Duration.ofNanos(System.nanoTime() - start), succeeded.get(), failures);
  }
}
