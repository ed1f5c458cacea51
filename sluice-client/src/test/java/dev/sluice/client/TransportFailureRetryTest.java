package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.Test;

/** Idempotent requests are retried after transport failures, with back-off and within limits. */
class TransportFailureRetryTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String OK =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  private final FakeSleeper sleeper = new FakeSleeper();

  private RateLimitedClient client(int attempts) {
    return RateLimitedClient.builder(HTTP)
        .policy(RetryPolicy.builder().maxAttempts(attempts).jitter(() -> 0.5).build())
        .sleeper(sleeper)
        .build();
  }

  @Test
  void aConnectionClosedWithoutAnswer_isRetriedForAGet_afterABackoff() throws Exception {
    try (RawServer server =
        RawServer.serving(
            RawServer.closing(""),
            RawServer.closing(""),
            RawServer.closing(""),
            RawServer.closing(OK))) {
      var response =
          client(8).send(HttpRequest.newBuilder(server.uri("/x")).build(), BodyHandlers.ofString());

      assertThat(response.body()).isEqualTo("ok");
      assertThat(sleeper.waits()).isNotEmpty();
    }
  }

  @Test
  void aConnectionClosedWithoutAnswer_isNotRetriedForAPost() throws Exception {
    try (RawServer server = RawServer.serving(RawServer.closing(""), RawServer.closing(OK))) {
      HttpRequest post =
          HttpRequest.newBuilder(server.uri("/x")).POST(BodyPublishers.ofString("a")).build();

      assertThatThrownBy(() -> client(8).send(post, BodyHandlers.ofString()))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(GiveUpException.class);
      assertThat(sleeper.waits()).isEmpty();
    }
  }

  @Test
  void transportFailures_stopAfterMaxAttempts_withTheLastFailure() throws Exception {
    try (RawServer server = RawServer.serving(RawServer.closing(""))) {
      assertThatThrownBy(
              () ->
                  client(3)
                      .send(
                          HttpRequest.newBuilder(server.uri("/x")).build(),
                          BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
      assertThat(sleeper.waits()).hasSize(2);
    }
  }

  @Test
  void sendAsync_retriesTransportFailuresToo() throws Exception {
    try (RawServer server =
        RawServer.serving(RawServer.closing(""), RawServer.closing(""), RawServer.closing(OK))) {
      var response =
          client(8)
              .sendAsync(HttpRequest.newBuilder(server.uri("/x")).build(), BodyHandlers.ofString())
              .get();

      assertThat(response.body()).isEqualTo("ok");
    }
  }
}
