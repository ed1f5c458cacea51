package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.client.TestServer.Reply;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryTest {
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final Reply OK = Reply.of(200).body("ok");
  private static final Reply LIMITED =
      Reply.of(429)
          .body("{\"error\":{\"code\":\"RATE_LIMITED\",\"message\":\"Rate limit exceeded.\"}}");

  private final FakeSleeper sleeper = new FakeSleeper();
  private final Events events = new Events();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private RateLimitedClient client(RetryPolicy.Builder policy) {
    return RateLimitedClient.builder(HTTP)
        .pacing(Pacing.off()) // retries alone: pacing has its own tests
        .policy(policy.build())
        .sleeper(sleeper)
        .listener(events)
        .build();
  }

  private RateLimitedClient client() {
    return client(RetryPolicy.builder().jitter(() -> 0.5));
  }

  private TestServer serve(Reply... replies) throws Exception {
    server = TestServer.replying(replies);
    return server;
  }

  private static GiveUpException giveUp(ThrowingCallable call) {
    return catchThrowableOfType(GiveUpException.class, call);
  }

  private HttpRequest get() {
    return HttpRequest.newBuilder(server.uri("/v1/info")).build();
  }

  private HttpRequest post(String body) {
    return HttpRequest.newBuilder(server.uri("/v1/items"))
        .POST(BodyPublishers.ofString(body))
        .build();
  }

  @Test
  void retryAfterSeconds_isWaitedExactly_thenTheSuccessReturned() throws Exception {
    serve(LIMITED.header("Retry-After", "12"), OK);

    HttpResponse<String> r = client().send(get(), BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok");
    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(12));
    assertThat(server.requests()).isEqualTo(2);
    assertThat(events.lines()).containsExactly("retry 2 after 429", "wait PT12S RETRY_AFTER");
  }

  @Test
  void retryAfterDecimal_isWaitedToTheMillisecond() throws Exception {
    serve(LIMITED.header("Retry-After", "1.5"), OK);

    client().send(get(), BodyHandlers.ofString());

    assertThat(sleeper.waits()).containsExactly(Duration.ofMillis(1500));
  }

  @Test
  void retryAfterHttpDate_isWaitedUntilThatInstant() throws Exception {
    server =
        TestServer.start(
            r ->
                server.requests() == 1
                    ? LIMITED.header(
                        "Retry-After", TestServer.httpDate(sleeper.now().plusSeconds(7)))
                    : OK);

    client().send(get(), BodyHandlers.ofString());

    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(7));
  }

  @Test
  void noRetryAfter_butAnEpochReset_isWaitedUntilTheReset() throws Exception {
    long resetEpoch = sleeper.now().getEpochSecond() + 20;
    serve(
        LIMITED
            .header("X-RateLimit-Limit", "100")
            .header("X-RateLimit-Remaining", "0")
            .header("X-RateLimit-Reset", Long.toString(resetEpoch)),
        OK);

    client().send(get(), BodyHandlers.ofString());

    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(20));
    assertThat(events.lines()).containsExactly("quota 0", "retry 2 after 429", "wait PT20S RESET");
  }

  @Test
  void noRetryAfter_butAnIetfResetT_isWaitedUntilTheReset() throws Exception {
    serve(LIMITED.header("RateLimit", "\"minute\";r=0;t=17"), OK);

    client().send(get(), BodyHandlers.ofString());

    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(17));
  }

  @Test
  void retryAfter_winsOverTheResetHeaders() throws Exception {
    serve(LIMITED.header("Retry-After", "3").header("RateLimit", "\"minute\";r=0;t=17"), OK);

    client().send(get(), BodyHandlers.ofString());

    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(3));
  }

  @Test
  void noHintAtAll_backsOffExponentiallyFromOneSecond_withFullJitter() throws Exception {
    serve(LIMITED, LIMITED, LIMITED, OK);

    client().send(get(), BodyHandlers.ofString()); // jitter fixed at 0.5: half of each ceiling

    assertThat(sleeper.waits())
        .containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2));
    assertThat(events.lines()).contains("wait PT0.5S BACKOFF", "wait PT2S BACKOFF");
  }

  @Test
  void backoff_isCappedAtMaxWait() throws Exception {
    serve(LIMITED);
    RateLimitedClient c =
        client(
            RetryPolicy.builder()
                .maxAttempts(10)
                .maxWait(Duration.ofSeconds(5))
                .jitter(() -> Math.nextDown(1.0))
                .noRetryBudget());

    assertThatThrownBy(() -> c.send(get(), BodyHandlers.ofString()))
        .isInstanceOf(GiveUpException.class);

    assertThat(sleeper.waits())
        .hasSize(9)
        .allSatisfy(w -> assertThat(w).isLessThan(Duration.ofSeconds(5)));
    assertThat(sleeper.waits().get(8)).isEqualTo(Duration.ofSeconds(5).minusNanos(1));
  }

  @Test
  void stillLimitedAfterMaxAttempts_givesUp_withReasonAndLastResponse() throws Exception {
    serve(LIMITED.header("Retry-After", "1"));

    GiveUpException e = giveUp(() -> client().send(get(), BodyHandlers.ofString()));

    assertThat(e.reason()).isEqualTo(GiveUpException.Reason.ATTEMPTS_EXHAUSTED);
    assertThat(e.attempts()).isEqualTo(4);
    assertThat(server.requests()).isEqualTo(4);
    assertThat(e.lastResponse().statusCode()).isEqualTo(429);
    assertThat(e.lastResponse().body()).asString().contains("RATE_LIMITED");
    assertThat(e.serverWait()).contains(Duration.ofSeconds(1));
    assertThat(e.request().uri()).isEqualTo(server.uri("/v1/info"));
    assertThat(e)
        .hasMessage(
            "gave up on GET "
                + server.uri("/v1/info")
                + " after 4 attempts: it was still rate-limited after the maximum number of"
                + " attempts; last response 429, which asked to wait PT1S");
    assertThat(events.lines()).endsWith("give up ATTEMPTS_EXHAUSTED");
  }

  @Test
  void maxAttemptsOne_neverRetries() throws Exception {
    serve(LIMITED.header("Retry-After", "1"), OK);

    GiveUpException e =
        giveUp(
            () ->
                client(RetryPolicy.builder().maxAttempts(1)).send(get(), BodyHandlers.ofString()));

    assertThat(e.reason()).isEqualTo(GiveUpException.Reason.ATTEMPTS_EXHAUSTED);
    assertThat(server.requests()).isEqualTo(1);
  }

  @Test
  void post_isNotRetried_byDefault() throws Exception {
    serve(LIMITED.header("Retry-After", "1"), OK);

    GiveUpException e = giveUp(() -> client().send(post("{}"), BodyHandlers.ofString()));

    assertThat(e.reason()).isEqualTo(GiveUpException.Reason.NOT_IDEMPOTENT);
    assertThat(server.requests()).isEqualTo(1);
    assertThat(sleeper.waits()).isEmpty();
  }

  @Test
  void post_withOptIn_isRetried_withItsBodyIntact() throws Exception {
    serve(LIMITED.header("Retry-After", "1"), LIMITED.header("Retry-After", "1"), OK);
    String body = "{\"email\":\"a@example.com\",\"note\":\"é ✓\"}";

    HttpResponse<String> r =
        client(RetryPolicy.builder().retryNonIdempotent(true))
            .send(post(body), BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(server.received())
        .hasSize(3)
        .allSatisfy(req -> assertThat(req.bodyText()).isEqualTo(body));
  }

  @Test
  void post_withAnIdempotencyKey_isRetried() throws Exception {
    serve(LIMITED.header("Retry-After", "1"), OK);
    HttpRequest keyed =
        HttpRequest.newBuilder(server.uri("/v1/items"))
            .header("Idempotency-Key", "7f3a")
            .POST(BodyPublishers.ofString("{}"))
            .build();

    assertThat(client().send(keyed, BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(server.requests()).isEqualTo(2);
  }

  @Test
  void put_isIdempotent_andRetried_withItsByteArrayBody() throws Exception {
    serve(LIMITED.header("Retry-After", "1"), OK);
    byte[] body = {0, 1, 2, (byte) 0xff};
    HttpRequest put =
        HttpRequest.newBuilder(server.uri("/v1/items/1"))
            .PUT(BodyPublishers.ofByteArray(body))
            .build();

    client().send(put, BodyHandlers.ofString());

    assertThat(server.received())
        .hasSize(2)
        .allSatisfy(req -> assertThat(req.body()).isEqualTo(body));
  }

  @Test
  void bodyOfUnknownLength_isNotRetried_unlessTheCallerSaysItCanBeResent() throws Exception {
    serve(LIMITED.header("Retry-After", "1"), LIMITED.header("Retry-After", "1"), OK);
    byte[] bytes = "streamed".getBytes(StandardCharsets.UTF_8);
    HttpRequest streamed =
        HttpRequest.newBuilder(server.uri("/v1/items/1"))
            .PUT(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
            .build();

    GiveUpException e = giveUp(() -> client().send(streamed, BodyHandlers.ofString()));
    assertThat(e.reason()).isEqualTo(GiveUpException.Reason.BODY_NOT_REPLAYABLE);

    HttpResponse<String> r =
        client(RetryPolicy.builder().retryUnknownLengthBodies(true))
            .send(streamed, BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(server.received())
        .hasSize(3)
        .allSatisfy(req -> assertThat(req.bodyText()).isEqualTo("streamed"));
  }

  @Test
  void serviceUnavailable_withRetryAfter_isRetried() throws Exception {
    serve(Reply.of(503).header("Retry-After", "4"), OK);

    assertThat(client().send(get(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(4));
  }

  @Test
  void serviceUnavailable_withoutRetryAfter_isRetriedWithBackoff_otherErrorsReturnedAsTheyAre()
      throws Exception {
    serve(Reply.of(503).body("down"), Reply.of(500), Reply.of(404));
    RateLimitedClient c = client();

    assertThat(c.send(get(), BodyHandlers.ofString()).statusCode()).isEqualTo(500);
    assertThat(c.send(get(), BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    assertThat(server.requests()).isEqualTo(3);
    assertThat(sleeper.waits())
        .as("1 s ceiling, jitter 0.5")
        .containsExactly(Duration.ofMillis(500));
  }

  @Test
  void serviceUnavailable_withoutRetryAfter_isNotRetriedForAPost() throws Exception {
    serve(Reply.of(503).body("down"), OK);

    GiveUpException e = giveUp(() -> client().send(post("x"), BodyHandlers.ofString()));

    assertThat(e.reason()).isEqualTo(GiveUpException.Reason.NOT_IDEMPOTENT);
    assertThat(server.requests()).isEqualTo(1);
  }

  @Test
  void sustained429sWithARetryAfter_areWaitedAsTold_notRefusedByTheRetryBudget() throws Exception {
    int[] n = {0};
    server =
        TestServer.start(
            r -> {
              synchronized (n) {
                return n[0]++ % 2 == 0 ? LIMITED.header("Retry-After", "1") : OK;
              }
            });
    RateLimitedClient c = client(RetryPolicy.builder().maxAttempts(2).retryBudget(0.1, 0));

    for (int i = 0; i < 20; i++) {
      assertThat(c.send(get(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void retryAfterLongerThanMaxWait_givesUpAtOnce_withoutWaiting() throws Exception {
    serve(LIMITED.header("Retry-After", "3600"), OK);

    GiveUpException e = giveUp(() -> client().send(get(), BodyHandlers.ofString()));

    assertThat(e.reason()).isEqualTo(GiveUpException.Reason.WAIT_TOO_LONG);
    assertThat(e.serverWait()).contains(Duration.ofHours(1));
    assertThat(sleeper.waits()).isEmpty();
    assertThat(server.requests()).isEqualTo(1);
  }

  @Test
  void retryAfterOfExactlyMaxWait_isWaited() throws Exception {
    serve(LIMITED.header("Retry-After", "60"), OK);

    client().send(get(), BodyHandlers.ofString());

    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(60));
  }

  @Test
  void aWaitThatWouldEndAfterTheDeadline_givesUp() throws Exception {
    serve(LIMITED.header("Retry-After", "10"));

    GiveUpException e =
        giveUp(
            () ->
                client(RetryPolicy.builder().maxAttempts(10).deadline(Duration.ofSeconds(25)))
                    .send(get(), BodyHandlers.ofString()));

    assertThat(e.reason()).isEqualTo(GiveUpException.Reason.DEADLINE);
    assertThat(sleeper.waits())
        .as("10 + 10 fit in 25 s; a third 10 would not")
        .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(10));
    assertThat(e.attempts()).isEqualTo(3);
  }

  @Test
  void sustained429s_exhaustTheRetryBudget_andLaterRequestsFailFast() throws Exception {
    serve(LIMITED.header("Retry-After", "0"));
    RateLimitedClient c = client(RetryPolicy.builder().maxAttempts(3).retryBudget(0.1, 0));
    int budgetRefusals = 0;

    for (int i = 0; i < 100; i++) {
      GiveUpException e = giveUp(() -> c.send(get(), BodyHandlers.ofString()));
      budgetRefusals += e.reason() == GiveUpException.Reason.RETRY_BUDGET ? 1 : 0;
    }

    assertThat(server.requests()).as("100 requests, and retries of 10% of them").isEqualTo(110);
    assertThat(budgetRefusals).isEqualTo(100);
  }

  @Test
  void theBodyOfARetriedResponse_neverReachesTheCallersHandler() throws Exception {
    serve(LIMITED.header("Retry-After", "1"), LIMITED.header("Retry-After", "1"), OK);
    AtomicInteger handlerCalls = new AtomicInteger();
    HttpResponse.BodyHandler<String> counting =
        info -> {
          handlerCalls.incrementAndGet();
          return BodyHandlers.ofString().apply(info);
        };

    client().send(get(), counting);

    assertThat(handlerCalls).hasValue(1);
  }

  @Test
  void aThrowingListener_doesNotFailTheRequest() throws Exception {
    serve(LIMITED.header("Retry-After", "1").header("X-RateLimit-Remaining", "0"), OK);
    RateLimitedClient c =
        RateLimitedClient.builder(HTTP)
            .pacing(Pacing.off())
            .sleeper(sleeper)
            .listener(
                new RateLimitListener() {
                  @Override
                  public void onQuota(HttpRequest request, QuotaReading reading) {
                    throw new IllegalStateException("listener bug");
                  }

                  @Override
                  public void onWait(HttpRequest request, Duration wait, WaitCause cause) {
                    throw new IllegalStateException("listener bug");
                  }
                })
            .listener(events)
            .build();

    assertThat(c.send(get(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(events.lines())
        .as("the next listener still hears everything")
        .containsExactly("quota 0", "retry 2 after 429", "wait PT1S RETRY_AFTER");
  }

  @Test
  void sendAsync_retriesLikeSend() throws Exception {
    serve(LIMITED.header("Retry-After", "2"), LIMITED, OK);

    HttpResponse<String> r =
        client().sendAsync(get(), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);

    assertThat(r.body()).isEqualTo("ok");
    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(1));
  }

  @Test
  void sendAsync_givingUp_failsTheFutureWithTheGiveUpException() {
    try (TestServer s = TestServer.replying(LIMITED.header("Retry-After", "1"))) {
      server = s;
      ExecutionException e =
          catchThrowableOfType(
              ExecutionException.class,
              () ->
                  client()
                      .sendAsync(post("{}"), BodyHandlers.ofString())
                      .get(10, TimeUnit.SECONDS));

      assertThat(e).hasCauseInstanceOf(GiveUpException.class);
      assertThat(((GiveUpException) e.getCause()).reason())
          .isEqualTo(GiveUpException.Reason.NOT_IDEMPOTENT);
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      server = null;
    }
  }

  @Test
  void sendAsync_connectionFailure_failsTheFutureWithTheIoException() throws Exception {
    serve(OK);
    HttpRequest request = get();
    server.close();
    server = null;

    ExecutionException e =
        catchThrowableOfType(
            ExecutionException.class,
            () -> client().sendAsync(request, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS));

    assertThat(e).hasCauseInstanceOf(java.io.IOException.class);
    assertThat(e.getCause()).isNotInstanceOf(GiveUpException.class);
  }

  @Test
  void policy_rejectsNonsense_withMessagesThatSayWhatWouldBeRight() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
        .hasMessage("maxAttempts must be at least 1 (1 = no retries), got 0");
    assertThatThrownBy(() -> RetryPolicy.builder().maxWait(Duration.ZERO))
        .hasMessage("maxWait must be positive, got PT0S");
    assertThatThrownBy(() -> RetryPolicy.builder().retryBudget(-0.1, 1))
        .hasMessage(
            "retryBudget ratio must be a finite number >= 0 (0.1 = 10% of requests), "
                + "got -0.1");
    assertThatThrownBy(() -> RetryPolicy.builder().retryBudget(0.1, Double.NaN))
        .hasMessage("retryBudget minRetriesPerSecond must be a finite number >= 0, got NaN");
    assertThatThrownBy(() -> RateLimitedClient.builder(HTTP).cache(0, 10))
        .hasMessage("cache maxEntries must be at least 1, got 0");
    assertThatThrownBy(() -> Pacing.spread().assumingWindow(Duration.ofSeconds(-1)))
        .hasMessage("assumingWindow must be positive, got PT-1S");
  }

  @Test
  void policy_defaults_areDocumented() {
    RetryPolicy p = RetryPolicy.defaults();

    assertThat(p.maxAttempts()).isEqualTo(4);
    assertThat(p.maxWait()).isEqualTo(Duration.ofSeconds(60));
    assertThat(p.initialBackoff()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.deadline()).isEmpty();
    assertThat(p.budgetRatio()).contains(0.1);
    assertThat(p.budgetMinRetriesPerSecond()).contains(1.0);
    assertThat(p.retryNonIdempotent()).isFalse();
    assertThat(p.retryUnknownLengthBodies()).isFalse();
    assertThat(List.of(p.jitter().getAsDouble(), p.jitter().getAsDouble()))
        .allSatisfy(u -> assertThat(u).isBetween(0.0, 1.0));
  }
}
