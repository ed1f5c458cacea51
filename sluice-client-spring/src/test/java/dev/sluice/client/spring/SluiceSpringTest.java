package dev.sluice.client.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.client.RateLimitEngine;
import dev.sluice.client.RetryPolicy;
import dev.sluice.client.adapters.FakeClock;
import dev.sluice.client.adapters.Servers;
import dev.sluice.client.adapters.Servers.Reply;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

class SluiceSpringTest {
  private static final HttpClient JDK =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final FakeClock clock = new FakeClock();
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private RateLimitEngine engine() {
    return RateLimitEngine.builder()
        .policy(RetryPolicy.builder().jitter(() -> 0.5).build())
        .sleeper(clock)
        .build();
  }

  private RestClient rest(RateLimitEngine engine) {
    return RestClient.builder()
        .requestFactory(new JdkClientHttpRequestFactory(JDK))
        .requestInterceptor(SluiceSpring.interceptor(engine))
        .build();
  }

  private WebClient web(RateLimitEngine engine) {
    return WebClient.builder()
        .clientConnector(new JdkClientHttpConnector(JDK))
        .filter(SluiceSpring.filter(engine))
        .build();
  }

  private int get(RestClient rest, String url) {
    return rest.get()
        .uri(url)
        .retrieve()
        .onStatus(s -> true, (req, res) -> {})
        .toBodilessEntity()
        .getStatusCode()
        .value();
  }

  private int get(WebClient web, String url) {
    return web.get()
        .uri(url)
        .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()))
        .block(Duration.ofSeconds(30));
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

  @Test
  void restClient_a429WithRetryAfterSeconds_isWaitedExactly_thenRetried() throws Exception {
    String url = serve(new Reply(429, Map.of("Retry-After", "7")), new Reply(200, Map.of()));

    assertThat(get(rest(engine()), url)).isEqualTo(200);
    assertThat(clock.waits()).startsWith(Duration.ofSeconds(7));
  }

  @Test
  void restClient_a429WithRetryAfterAsAnHttpDate_isWaitedUntilThatInstant() throws Exception {
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            clock.now().plusSeconds(3).atOffset(ZoneOffset.UTC));
    String url = serve(new Reply(429, Map.of("Retry-After", date)), new Reply(200, Map.of()));

    assertThat(get(rest(engine()), url)).isEqualTo(200);
    assertThat(clock.waits()).startsWith(Duration.ofSeconds(3));
  }

  @Test
  void restClient_a503WithoutRetryAfter_isRetriedAfterAJitteredBackoff() throws Exception {
    String url = serve(new Reply(503, Map.of()), new Reply(200, Map.of()));

    assertThat(get(rest(engine()), url)).isEqualTo(200);
    assertThat(clock.waits()).containsExactly(Duration.ofMillis(500));
  }

  @Test
  void restClient_aConnectionReset_isRetriedForAGet() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    int port = Servers.resettingFirst(2, connections);

    assertThat(get(rest(engine()), "http://127.0.0.1:" + port + "/x")).isEqualTo(200);
    assertThat(connections.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void restTemplate_a429IsRetriedAfterItsRetryAfter() throws Exception {
    String url = serve(new Reply(429, Map.of("Retry-After", "2")), new Reply(200, Map.of()));
    RestTemplate template = new RestTemplate(new JdkClientHttpRequestFactory(JDK));
    template.getInterceptors().add(SluiceSpring.interceptor(engine()));

    assertThat(template.getForEntity(url, String.class).getStatusCode().value()).isEqualTo(200);
    assertThat(clock.waits()).startsWith(Duration.ofSeconds(2));
  }

  @Test
  void webClient_a429WithRetryAfterSeconds_isWaitedExactly_thenRetried() throws Exception {
    String url = serve(new Reply(429, Map.of("Retry-After", "7")), new Reply(200, Map.of()));

    assertThat(get(web(engine()), url)).isEqualTo(200);
    assertThat(clock.waits()).startsWith(Duration.ofSeconds(7));
  }

  @Test
  void webClient_a429WithRetryAfterAsAnHttpDate_isWaitedUntilThatInstant() throws Exception {
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            clock.now().plusSeconds(3).atOffset(ZoneOffset.UTC));
    String url = serve(new Reply(429, Map.of("Retry-After", date)), new Reply(200, Map.of()));

    assertThat(get(web(engine()), url)).isEqualTo(200);
    assertThat(clock.waits()).startsWith(Duration.ofSeconds(3));
  }

  @Test
  void webClient_a503WithoutRetryAfter_isRetriedAfterAJitteredBackoff() throws Exception {
    String url = serve(new Reply(503, Map.of()), new Reply(200, Map.of()));

    assertThat(get(web(engine()), url)).isEqualTo(200);
    assertThat(clock.waits()).containsExactly(Duration.ofMillis(500));
  }

  @Test
  void webClient_aConnectionReset_isRetriedForAGet() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    int port = Servers.resettingFirst(2, connections);

    assertThat(get(web(engine()), "http://127.0.0.1:" + port + "/x")).isEqualTo(200);
    assertThat(connections.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void issue22Scenario_restClientAndWebClient_noGiveUps_fewRefusals_closeToTheIdealTime()
      throws Exception {
    for (boolean reactive : new boolean[] {false, true}) {
      FakeClock clock = new FakeClock();
      AtomicInteger refused = new AtomicInteger();
      server = Servers.replying(Servers.fixedWindow(clock::now, 20, 10, refused));
      String url = Servers.url(server);
      RateLimitEngine engine = RateLimitEngine.builder().sleeper(clock).build();
      RestClient rest = rest(engine);
      WebClient web = web(engine);
      long start = clock.nanoTime();
      long firstWindowLeft = 10_000 - clock.now().toEpochMilli() % 10_000;

      int ok = 0;
      for (int i = 0; i < 100; i++) {
        ok += (reactive ? get(web, url) : get(rest, url)) == 200 ? 1 : 0;
      }

      long elapsedMs = (clock.nanoTime() - start) / 1_000_000;
      long idealMs = firstWindowLeft + 4 * 10_000;
      assertThat(ok).as("none given up").isEqualTo(100);
      assertThat(refused.get()).as("a handful of 429s at most").isLessThanOrEqualTo(5);
      assertThat(elapsedMs).isLessThanOrEqualTo(idealMs + idealMs / 10 + 1_000);
      server.stop(0);
    }
  }
}
