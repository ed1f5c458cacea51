package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.client.TestServer.Reply;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PacingTest {
  private final FakeSleeper sleeper = new FakeSleeper();
  private final Events events = new Events();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private RateLimitedClient client(Pacing pacing, RetryPolicy policy) {
    return RateLimitedClient.builder(RetryTest.HTTP)
        .pacing(pacing)
        .policy(policy)
        .sleeper(sleeper)
        .listener(events)
        .build();
  }

  private RateLimitedClient client(Pacing pacing) {
    return client(pacing, RetryPolicy.defaults());
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(server.uri(path)).build();
  }

  /** 10 requests per 2 s, windows starting now; 5 already used by someone else. */
  private FixedWindowApi halfSpentApi() throws Exception {
    FixedWindowApi api = new FixedWindowApi(sleeper::now, 10, Duration.ofSeconds(2), sleeper.now());
    api.consume(5);
    server = TestServer.start(api);
    return api;
  }

  @Test
  void pacedClient_spreadsWhatRemainsUntilTheReset_thenTheNextWindowOverItsLength()
      throws Exception {
    FixedWindowApi api = halfSpentApi();
    RateLimitedClient client = client(Pacing.spread());

    for (int i = 0; i < 12; i++) {
      assertThat(client.send(get("/v1/blocks"), BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
    }

    assertThat(api.refused()).isZero();
    List<Duration> expected = new ArrayList<>(Collections.nCopies(4, Duration.ofMillis(400)));
    expected.add(Duration.ofMillis(450));
    expected.addAll(Collections.nCopies(6, Duration.ofMillis(195)));
    assertThat(sleeper.waits())
        .as(
            "4 left for 2 s after the request at 0: 400 ms apart; the 5th"
                + " waits for the reset and its 50 ms guard; then 10 over the 1950 ms left: 195 ms")
        .containsExactlyElementsOf(expected);
    assertThat(events.lines()).contains("quota 4", "wait PT0.4S PACING", "quota 0");
  }

  @Test
  void unpacedClient_burstsIntoA429_andRecoversByItsRetryAfter() throws Exception {
    FixedWindowApi api = halfSpentApi();
    RateLimitedClient client = client(Pacing.off());

    for (int i = 0; i < 12; i++) {
      assertThat(client.send(get("/v1/blocks"), BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
    }

    assertThat(api.refused()).isEqualTo(1);
    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(2));
    assertThat(events.lines()).contains("quota 4", "quota 0", "wait PT2S RETRY_AFTER");
  }

  @Test
  void oneRequestsRetryAfter_holdsBackTheNextRequestOfTheSameQuota() throws Exception {
    server = TestServer.replying(Reply.of(429).header("Retry-After", "3"), Reply.of(200));
    RateLimitedClient client =
        client(Pacing.spread(), RetryPolicy.builder().maxAttempts(1).build());
    catchThrowableOfType(
        GiveUpException.class, () -> client.send(get("/a"), BodyHandlers.ofString()));

    client.send(get("/b"), BodyHandlers.ofString());

    assertThat(sleeper.waits()).containsExactly(Duration.ofMillis(3050));
  }

  @Test
  void aShortRetryAfter_isWhatTheRetryWaits_evenInsideALongWindowWithQuotaLeft() throws Exception {
    Reply quota =
        Reply.of(200)
            .header("X-RateLimit-Limit", "100")
            .header("X-RateLimit-Remaining", "50")
            .header("X-RateLimit-Reset", "50");
    server = TestServer.replying(quota, Reply.of(429).header("Retry-After", "1"), quota);
    RateLimitedClient client = client(Pacing.spread());

    client.send(get("/a"), BodyHandlers.ofString());
    assertThat(client.send(get("/b"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);

    assertThat(sleeper.waits())
        .as(
            "a pacing slot (50 left for 50 s), the Retry-After, its"
                + " guard; not a wait until the window's reset 48 s later")
        .containsExactly(
            Duration.ofNanos(50_000_000_000L / 51), Duration.ofSeconds(1), Duration.ofMillis(50));
    assertThat(events.lines()).contains("wait PT1S RETRY_AFTER", "wait PT0.05S PACING");
  }

  @Test
  void byDefault_allRequestsToAnOrigin_shareOneQuota() throws Exception {
    serveStrictEndpoint();
    RateLimitedClient client = client(Pacing.spread());

    client.send(get("/auth/magic-link"), BodyHandlers.ofString());
    client.send(get("/assets"), BodyHandlers.ofString());

    assertThat(sleeper.waits())
        .as("the strict endpoint's reading slows /assets")
        .containsExactly(Duration.ofMillis(30_050));
  }

  @Test
  void aKeyFunction_separatesQuotas() throws Exception {
    serveStrictEndpoint();
    RateLimitedClient client =
        client(
            Pacing.spread().keyedBy(r -> r.uri().getPath().startsWith("/auth/") ? "auth" : "api"));

    client.send(get("/auth/magic-link"), BodyHandlers.ofString());
    client.send(get("/assets"), BodyHandlers.ofString());
    client.send(get("/auth/magic-link"), BodyHandlers.ofString());

    assertThat(sleeper.waits()).containsExactly(Duration.ofMillis(30_050));
    assertThat(server.received())
        .extracting(TestServer.Received::path)
        .containsExactly("/auth/magic-link", "/assets", "/auth/magic-link");
  }

  private void serveStrictEndpoint() throws Exception {
    server =
        TestServer.start(
            r ->
                r.path().startsWith("/auth/")
                    ? Reply.of(200)
                        .header("X-RateLimit-Limit", "3")
                        .header("X-RateLimit-Remaining", "0")
                        .header("X-RateLimit-Reset", "30")
                    : Reply.of(200));
  }

  @Test
  void anAssumedWindow_pacesAnApiThatSendsNoReset() throws Exception {
    AtomicInteger remaining = new AtomicInteger(1000);
    server =
        TestServer.start(
            r ->
                Reply.of(200)
                    .header("X-RateLimit-Limit", "1000")
                    .header(
                        "X-RateLimit-Remaining", Integer.toString(remaining.decrementAndGet())));
    RateLimitedClient client = client(Pacing.spread().assumingWindow(Duration.ofMinutes(1)));

    for (int i = 0; i < 4; i++) {
      client.send(get("/v1/info"), BodyHandlers.ofString());
    }

    assertThat(sleeper.waits())
        .as("1000 per minute: one per 60 ms")
        .containsExactly(Duration.ofMillis(60), Duration.ofMillis(60), Duration.ofMillis(60));
  }

  @Test
  void aSlotFurtherAwayThanMaxWait_isNotWaitedFor_theServerDecides() throws Exception {
    server =
        TestServer.start(
            r ->
                Reply.of(200)
                    .header("X-RateLimit-Limit", "10")
                    .header("X-RateLimit-Remaining", "0")
                    .header("X-RateLimit-Reset", "3600"));
    RateLimitedClient client = client(Pacing.spread());

    client.send(get("/v1/info"), BodyHandlers.ofString());
    client.send(get("/v1/info"), BodyHandlers.ofString());

    assertThat(sleeper.waits()).isEmpty();
    assertThat(server.requests()).isEqualTo(2);
  }

  @Test
  void sendAsync_isPacedToo() throws Exception {
    FixedWindowApi api = halfSpentApi();
    RateLimitedClient client = client(Pacing.spread());

    for (int i = 0; i < 3; i++) {
      client.sendAsync(get("/v1/blocks"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
    }

    assertThat(api.refused()).isZero();
    assertThat(sleeper.waits()).containsExactly(Duration.ofMillis(400), Duration.ofMillis(400));
  }
}
