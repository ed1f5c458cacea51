package dev.sluice.server.gateway;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.store.InMemoryStore;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A real gateway on free loopback ports in front of a real {@link TestUpstream}, deciding on an
 * in-memory store whose clock the test sets (so no window turns over mid-test, and nothing sleeps).
 * Requests go through the JDK's HTTP client.
 */
final class GatewayFixture implements AutoCloseable {
  final ManualTicker ticker;
  final TestUpstream upstream;
  final Path policyFile;
  final Engines engines;
  final Gateway gateway;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private GatewayFixture(
      Path policyFile, Instant start, Duration upstreamTimeout, int maxBodyBytes) {
    this(policyFile, start, upstreamTimeout, maxBodyBytes, b -> b, o -> o);
  }

  private GatewayFixture(
      Path policyFile,
      Instant start,
      Duration upstreamTimeout,
      int maxBodyBytes,
      UnaryOperator<InMemoryStore.Builder> store,
      UnaryOperator<Gateway.Options> tune) {
    this.policyFile = policyFile;
    this.ticker = new ManualTicker(start);
    this.upstream = new TestUpstream();
    InMemoryStore memory =
        store.apply(InMemoryStore.builder().ticker(ticker).executor(Runnable::run)).build();
    this.engines = new Engines(policyFile, memory, null);
    Gateway.Options options =
        new Gateway.Options(
            "127.0.0.1",
            0,
            "127.0.0.1",
            0,
            Upstream.parse(upstream.url(), upstreamTimeout),
            maxBodyBytes,
            2,
            Duration.ofSeconds(2));
    this.gateway =
        Gateway.start(engines, tune.apply(options), () -> Future.succeededFuture("memory"));
  }

  /** A gateway enforcing one of the examples. */
  static GatewayFixture example(String name, Instant start) {
    Path fromModule = Path.of("..", "examples", name);
    Path file = Files.exists(fromModule) ? fromModule : Path.of("examples", name);
    return new GatewayFixture(file, start, Duration.ofSeconds(10), 64 * 1024);
  }

  /** A gateway enforcing {@code yaml}, written to a file in {@code dir}. */
  static GatewayFixture policy(Path dir, String yaml, Instant start) {
    return policy(dir, yaml, start, Duration.ofSeconds(10), 64 * 1024);
  }

  /** A gateway enforcing {@code yaml} on an in-memory store configured by {@code store}. */
  static GatewayFixture policy(
      Path dir, String yaml, Instant start, UnaryOperator<InMemoryStore.Builder> store) {
    try {
      Path file = dir.resolve("policy.yaml");
      Files.writeString(file, yaml);
      return new GatewayFixture(file, start, Duration.ofSeconds(10), 64 * 1024, store, o -> o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static GatewayFixture policy(
      Path dir, String yaml, Instant start, Duration upstreamTimeout, int maxBodyBytes) {
    try {
      Path file = dir.resolve("policy.yaml");
      Files.writeString(file, yaml);
      return new GatewayFixture(file, start, upstreamTimeout, maxBodyBytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A gateway enforcing {@code yaml}, with its options changed by {@code tune}. */
  static GatewayFixture tuned(
      Path dir,
      String yaml,
      Instant start,
      java.util.function.UnaryOperator<Gateway.Options> tune) {
    try {
      Path file = dir.resolve("policy.yaml");
      Files.writeString(file, yaml);
      return new GatewayFixture(file, start, Duration.ofSeconds(10), 64 * 1024, b -> b, tune);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A gateway on one event loop, enforcing {@code yaml} (written to {@code file}), in front of
   * {@code upstreamUrl}: for upstreams a test runs itself.
   */
  static Gateway gateway(
      Path file, String yaml, Instant start, String upstreamUrl, Duration upstreamTimeout)
      throws IOException {
    Files.writeString(file, yaml);
    InMemoryStore store =
        InMemoryStore.builder().ticker(new ManualTicker(start)).executor(Runnable::run).build();
    Gateway.Options options =
        new Gateway.Options(
            "127.0.0.1",
            0,
            "127.0.0.1",
            0,
            Upstream.parse(upstreamUrl, upstreamTimeout),
            64 * 1024,
            1,
            Duration.ofSeconds(1));
    return Gateway.start(
        new Engines(file, store, null), options, () -> Future.succeededFuture("memory"));
  }

  URI proxy(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + gateway.port() + pathAndQuery);
  }

  URI admin(String path) {
    return URI.create("http://127.0.0.1:" + gateway.adminPort() + path);
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    return send(http, request);
  }

  /** Sends {@code request} (30 s timeout), the body read as UTF-8; I/O failures unchecked. */
  static HttpResponse<String> send(HttpClient http, HttpRequest.Builder request) {
    try {
      return http.send(
          request.timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> get(String path, String... headers) {
    return send(withHeaders(HttpRequest.newBuilder(proxy(path)).GET(), headers));
  }

  HttpResponse<String> post(String path, String body, String... headers) {
    return send(
        withHeaders(
            HttpRequest.newBuilder(proxy(path)).POST(HttpRequest.BodyPublishers.ofString(body)),
            headers));
  }

  /** A {@code POST /v1/check} of {@code json}, with the admin token. */
  HttpResponse<String> check(String json) {
    return send(
        HttpRequest.newBuilder(admin("/v1/check"))
            .header("Authorization", "Bearer " + gateway.operations().token().value())
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  static HttpRequest.Builder withHeaders(HttpRequest.Builder b, String... headers) {
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  /**
   * The rate-limit headers of {@code r} ({@code X-RateLimit-*}, {@code RateLimit*}, {@code
   * Retry-After}), names as the IPTO and Convotic pages spell them.
   */
  static Map<String, String> rateHeaders(HttpResponse<?> r) {
    Map<String, String> out = new TreeMap<>();
    for (String name :
        new String[] {
          "X-RateLimit-Limit",
          "X-RateLimit-Remaining",
          "X-RateLimit-Reset",
          "RateLimit-Policy",
          "RateLimit",
          "Retry-After"
        }) {
      r.headers().firstValue(name).ifPresent(v -> out.put(name, v));
    }
    return out;
  }

  @Override
  public void close() {
    gateway.close();
    upstream.close();
  }
}
