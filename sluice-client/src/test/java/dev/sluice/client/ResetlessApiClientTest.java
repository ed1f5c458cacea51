package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #22's scenario through the whole client and a real loopback server, on a fake clock: an API
 * of 20 requests per 10 s that sends X-RateLimit-Limit and -Remaining but no reset, and a 429 with
 * Retry-After in whole seconds; 100 GETs. The one-line client and the one told the window both
 * finish with nothing given up, a handful of 429s at most, close to the ideal time.
 */
class ResetlessApiClientTest {
  private final FakeSleeper sleeper = new FakeSleeper();

  @ParameterizedTest(name = "told the window: {0}")
  @ValueSource(booleans = {false, true})
  void oneLineClient_andAssumingWindow_finishWithoutGivingUp_fewRefusals_nearTheIdealTime(
      boolean told) throws Exception {
    Instant origin = Instant.EPOCH;
    ResetlessApi api =
        new ResetlessApi(new FixedWindowApi(sleeper::now, 20, Duration.ofSeconds(10), origin));
    RateLimitedClient.Builder builder = RateLimitedClient.builder(RetryTest.HTTP).sleeper(sleeper);
    if (told) {
      builder.pacing(Pacing.spread().assumingWindow(Duration.ofSeconds(10)));
    }
    RateLimitedClient client = builder.build();
    long start = sleeper.nanoTime();
    long firstWindowLeft = 10_000 - sleeper.now().toEpochMilli() % 10_000;

    try (TestServer server = TestServer.start(api)) {
      int ok = 0;
      for (int i = 0; i < 100; i++) {
        ok +=
            client
                        .send(
                            HttpRequest.newBuilder(server.uri("/v1/items")).build(),
                            BodyHandlers.ofString())
                        .statusCode()
                    == 200
                ? 1
                : 0;
      }
      assertThat(ok).as("none given up").isEqualTo(100);
    }

    long elapsedMs = (sleeper.nanoTime() - start) / 1_000_000;
    // one thread, paced: the first window's rest, then 80 spread over four more windows
    long idealMs = firstWindowLeft + 4 * 10_000;
    assertThat(api.fixedWindow.refused()).as("a handful of 429s at most").isLessThanOrEqualTo(5);
    assertThat(elapsedMs).isBetween(idealMs - 10_000, idealMs + 10_000 + 1_000);
  }

  /** {@link FixedWindowApi} without its reset header, as the Convotic document's API. */
  private record ResetlessApi(FixedWindowApi fixedWindow)
      implements java.util.function.Function<TestServer.Received, TestServer.Reply> {
    @Override
    public TestServer.Reply apply(TestServer.Received r) {
      TestServer.Reply reply = fixedWindow.apply(r);
      java.util.Map<String, String> headers = new java.util.LinkedHashMap<>(reply.headers());
      headers.remove("X-RateLimit-Reset");
      return new TestServer.Reply(reply.status(), headers, reply.body());
    }
  }
}
