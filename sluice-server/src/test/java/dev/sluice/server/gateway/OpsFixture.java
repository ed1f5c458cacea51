package dev.sluice.server.gateway;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.Overrides;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.overrides.FileOverrideStorage;
import dev.sluice.overrides.StateDir;
import dev.sluice.server.ops.AdminToken;
import dev.sluice.server.ops.ManualWebhookTimer;
import dev.sluice.server.ops.Operations;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A real gateway with its operations (overrides kept in a state directory, usage, webhooks,
 * dashboard) on free loopback ports, in front of a real {@link TestUpstream}, on an in-memory store
 * whose clock the test sets; the overrides' and reports' clock is the same one. It can be restarted
 * on the same state directory, as a process would be.
 */
final class OpsFixture implements AutoCloseable {
  static final String TOKEN = "test-admin-token-0123456789";
  static final String VIEWER = "test-viewer-token-0123456789";

  final ManualTicker ticker;

  /** Runs webhook retries when the test moves {@link #ticker} by {@link #advanceWebhooks}. */
  final ManualWebhookTimer webhookTimer;

  final TestUpstream upstream = new TestUpstream();
  final Path stateDir;
  final Path policyFile;

  /** What the webhooks' secret-env variables hold. */
  final Map<String, String> secrets = new ConcurrentHashMap<>();

  private final Consumer<Operations.Builder> tune;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  Engines engines;
  Gateway gateway;

  private OpsFixture(
      Path dir,
      String yaml,
      Instant start,
      Map<String, String> secrets,
      Consumer<Operations.Builder> tune) {
    try {
      this.policyFile = dir.resolve("policy.yaml");
      Files.writeString(policyFile, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.stateDir = dir.resolve("state");
    this.ticker = new ManualTicker(start);
    this.webhookTimer = new ManualWebhookTimer(ticker);
    this.secrets.putAll(secrets);
    this.tune = tune;
    startGateway();
  }

  static OpsFixture start(Path dir, String yaml, Instant start) {
    return new OpsFixture(dir, yaml, start, Map.of(), b -> {});
  }

  static OpsFixture start(
      Path dir,
      String yaml,
      Instant start,
      Map<String, String> secrets,
      Consumer<Operations.Builder> tune) {
    return new OpsFixture(dir, yaml, start, secrets, tune);
  }

  private void startGateway() {
    StateDir state = StateDir.open(stateDir);
    Overrides overrides = new Overrides(ticker);
    InMemoryStore store = InMemoryStore.builder().ticker(ticker).executor(Runnable::run).build();
    byte[] key = state.identityKey();
    engines = new Engines(policyFile, store, key, overrides);
    Operations.Builder b =
        Operations.builder(engines::current, overrides)
            .clock(ticker)
            .token(AdminToken.of(TOKEN))
            .storage(new FileOverrideStorage(state.overridesFile(), key))
            .secrets(secrets::get)
            .policyHash(engines::policyHash)
            .webhookTimer(webhookTimer)
            .webhookJournal(state.webhooksFile());
    tune.accept(b);
    Gateway.Options options =
        new Gateway.Options(
            "127.0.0.1",
            0,
            "127.0.0.1",
            0,
            Upstream.parse(upstream.url(), Duration.ofSeconds(10)),
            64 * 1024,
            2,
            Duration.ofSeconds(2));
    gateway = Gateway.start(engines, options, () -> Future.succeededFuture("memory"), b.build());
  }

  /** Stops the gateway and starts a new one on the same state directory and clock. */
  void restart() {
    gateway.close();
    startGateway();
  }

  /** Moves the clock by {@code d} and runs the webhook retries due by then. */
  void advanceWebhooks(Duration d) {
    webhookTimer.advance(d);
  }

  /** The fingerprint of a raw identity, as the gateway computes it. */
  String fingerprint(String identity) {
    return dev.sluice.core.Sluice.fingerprintText(engines.current().fingerprint(identity));
  }

  /** The proxy's port. */
  int port() {
    return gateway.port();
  }

  URI proxy(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + gateway.port() + pathAndQuery);
  }

  URI admin(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + gateway.adminPort() + pathAndQuery);
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    return GatewayFixture.send(http, request);
  }

  /** A request through the proxy. */
  HttpResponse<String> get(String path, String... headers) {
    return send(GatewayFixture.withHeaders(HttpRequest.newBuilder(proxy(path)).GET(), headers));
  }

  /** {@code n} GETs through the proxy with API key {@code key}; how many were allowed. */
  int hit(String path, String key, int n) {
    int allowed = 0;
    for (int i = 0; i < n; i++) {
      if (get(path, "X-Api-Key", key).statusCode() == 200) {
        allowed++;
      }
    }
    return allowed;
  }

  /** An admin request with the token; {@code body} null for none. */
  HttpResponse<String> admin(String method, String pathAndQuery, String body) {
    return send(
        HttpRequest.newBuilder(admin(pathAndQuery))
            .header("Authorization", "Bearer " + TOKEN)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body)));
  }

  JsonObject adminJson(String method, String pathAndQuery, String body) {
    return new JsonObject(admin(method, pathAndQuery, body).body());
  }

  /** Waits (up to 10 s) until {@code condition} holds: for things that happen on other threads. */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.onSpinWait(); // the conditions are HTTP round trips: no tight loop
    }
  }

  @Override
  public void close() {
    gateway.close();
    upstream.close();
  }
}
