package dev.sluice.server.gateway;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.server.ops.Operations;
import dev.sluice.testing.TestCa;
import io.vertx.core.Future;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * A real gateway whose main port speaks TLS (with a certificate of a {@link TestCa}) or h2c, in
 * front of a real {@link TestUpstream}, deciding on an in-memory store whose clock the test sets.
 * Requests go through the JDK's HTTP client over HTTP/2, trusting the test CA.
 */
final class TlsFixture implements AutoCloseable {
  final ManualTicker ticker;
  final TestUpstream upstream = new TestUpstream();
  final Engines engines;
  final Gateway gateway;
  final HttpClient http;
  private final String scheme;

  /**
   * @param policy a file of examples/, or a policy file
   * @param ca the CA the client trusts (may be null for h2c)
   * @param upstreamUrl the upstream, or null for this fixture's {@link TestUpstream}
   */
  TlsFixture(Path policy, Instant start, Protocols protocols, TestCa ca, String upstreamUrl) {
    this(policy, start, protocols, ca, upstreamUrl, o -> o);
  }

  /** As above, with the gateway's options changed by {@code tune}. */
  TlsFixture(
      Path policy,
      Instant start,
      Protocols protocols,
      TestCa ca,
      String upstreamUrl,
      UnaryOperator<Gateway.Options> tune) {
    this.ticker = new ManualTicker(start);
    InMemoryStore memory = InMemoryStore.builder().ticker(ticker).executor(Runnable::run).build();
    this.engines = new Engines(policy, memory, null);
    Gateway.Options options =
        new Gateway.Options(
            "127.0.0.1",
            0,
            "127.0.0.1",
            0,
            Upstream.parse(
                upstreamUrl != null ? upstreamUrl : upstream.url(), Duration.ofSeconds(10)),
            64 * 1024,
            2,
            Duration.ofSeconds(2));
    this.gateway =
        Gateway.start(
            engines,
            tune.apply(options),
            () -> Future.succeededFuture("memory"),
            Operations.builder(engines::current, engines.overrides()).build(),
            protocols);
    this.scheme = protocols.tls() != null ? "https" : "http";
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .connectTimeout(Duration.ofSeconds(10));
    if (ca != null) {
      b.sslContext(ca.clientContext());
    }
    this.http = b.build();
  }

  /** examples/{@code name}. */
  static Path example(String name) {
    Path fromModule = Path.of("..", "examples", name);
    return Files.exists(fromModule) ? fromModule : Path.of("examples", name);
  }

  URI proxy(String pathAndQuery) {
    return URI.create(scheme + "://127.0.0.1:" + gateway.port() + pathAndQuery);
  }

  URI admin(String path) {
    return URI.create("http://127.0.0.1:" + gateway.adminPort() + path);
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    return GatewayFixture.send(http, request);
  }

  HttpResponse<String> get(String path, String... headers) {
    return send(GatewayFixture.withHeaders(HttpRequest.newBuilder(proxy(path)).GET(), headers));
  }

  /** The Prometheus text of the admin port. */
  String metrics() {
    return GatewayFixture.send(
            HttpClient.newHttpClient(), HttpRequest.newBuilder(admin("/metrics")).GET())
        .body();
  }

  /** {@code POST /admin/reload} with the admin token. */
  HttpResponse<String> reload() {
    return GatewayFixture.send(
        HttpClient.newHttpClient(),
        HttpRequest.newBuilder(admin("/admin/reload"))
            .header("Authorization", "Bearer " + gateway.operations().token().value())
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  @Override
  public void close() {
    gateway.close();
    upstream.close();
  }
}
