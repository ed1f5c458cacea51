package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Servers that misbehave on the wire: bodies that stall or are cut off. */
class HostileServersTest {
  /** Generous: the client under test never waits for real (fake sleeper); only I/O takes time. */
  private static final Duration HANG = Duration.ofSeconds(20);

  private static final String OK =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

  /** A 429 announcing a 1,000-byte body and sending three bytes of it. */
  private static final String LIMITED_PARTIAL_BODY =
      "HTTP/1.1 429 Too Many Requests\r\n" + "Retry-After: 1\r\nContent-Length: 1000\r\n\r\nabc";

  private final FakeSleeper sleeper = new FakeSleeper();
  private RawServer server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private RateLimitedClient client() {
    return RateLimitedClient.builder(RetryTest.HTTP)
        .pacing(Pacing.off())
        .sleeper(sleeper)
        .policy(RetryPolicy.builder().deadline(Duration.ofSeconds(30)).build())
        .build();
  }

  private HttpRequest get() {
    return HttpRequest.newBuilder(server.uri("/v1/info")).timeout(Duration.ofSeconds(5)).build();
  }

  @Test
  void a429WhoseBodyStalls_isRetriedAtOnce_notHeldUpByTheBodyItWillNeverRead() throws Exception {
    server = RawServer.serving(RawServer.stalling(LIMITED_PARTIAL_BODY), RawServer.closing(OK));

    HttpResponse<String> r =
        assertTimeoutPreemptively(
            HANG,
            () -> client().send(get(), BodyHandlers.ofString()),
            "the request timeout ends with the headers; a drained 429 body would wait forever");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok");
    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(1));
    assertThat(server.connections()).isEqualTo(2);
    assertThat(server.clientClosedAStalledConnection(HANG.toSeconds()))
        .as("the abandoned body's connection is closed, not leaked")
        .isTrue();
  }

  @Test
  void a429WhoseBodyStalls_isRetriedAtOnce_byAsyncCallersToo() throws Exception {
    server = RawServer.serving(RawServer.stalling(LIMITED_PARTIAL_BODY), RawServer.closing(OK));

    HttpResponse<String> r =
        assertTimeoutPreemptively(
            HANG, () -> client().sendAsync(get(), BodyHandlers.ofString()).get());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(1));
  }

  @Test
  void a429CutOffMidBody_isStillRetried_asItsBodyWasNeverWanted() throws Exception {
    server = RawServer.serving(RawServer.closing(LIMITED_PARTIAL_BODY), RawServer.closing(OK));

    HttpResponse<String> r =
        assertTimeoutPreemptively(HANG, () -> client().send(get(), BodyHandlers.ofString()));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(1));
  }
}
