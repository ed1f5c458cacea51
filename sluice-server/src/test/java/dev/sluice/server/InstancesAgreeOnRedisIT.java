package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateway processes on one real Redis count a client together whatever happens to one of them or to
 * Redis: a key's limits of its own hold across both instances and a restart, and after Redis lost
 * everything (FLUSHALL) and one gateway restarted, both hash clients with one secret again.
 */
@EnabledOnOs(OS.LINUX)
class InstancesAgreeOnRedisIT {
  static final String TOKEN = "test-admin-token-0123456789";

  @TempDir Path dir;

  Vertx vertx;
  HttpServer upstream;
  RedisServer redis;
  String[] args;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream =
        vertx
            .createHttpServer()
            .requestHandler(req -> req.response().end("ok"))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    Path policy = dir.resolve("policy.yaml");
    // Hours, not minutes: no window may turn over while a test counts.
    Files.writeString(
        policy,
        "key: header:X-Api-Key\n"
            + "global: {limits: 10/hour}\n"
            + "rules:\n"
            + "  - {name: search, route: GET /search, limits: 100/hour}\n");
    redis = RedisServer.start();
    // No SLUICE_IDENTITY_SECRET: the instances share the secret kept in Redis.
    args =
        new String[] {
          "--config",
          policy.toString(),
          "--port",
          "0",
          "--admin-port",
          "0",
          "--upstream",
          "http://127.0.0.1:" + upstream.actualPort(),
          "--store",
          redis.uri(),
          "--store-timeout",
          "2s",
          "--admin-token",
          TOKEN,
          "--state-dir",
          dir.resolve("state").toString()
        };
  }

  @AfterEach
  void stop() throws Exception {
    redis.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  int status(int port, String path, String key) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("X-Api-Key", key)
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  HttpResponse<String> admin(int port, HttpRequest.Builder b) throws Exception {
    return http.send(
        b.header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** What gateway {@code port} says about {@code key}'s search limit (fingerprint, limit). */
  String searchLimit(int port, String key) throws Exception {
    HttpResponse<String> r =
        admin(
            port,
            HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/admin/usage?key=" + key)));
    JsonObject usage = new JsonObject(r.body());
    String limit = "";
    for (Object o : usage.getJsonArray("usage")) {
      JsonObject u = (JsonObject) o;
      if (u.getString("rule").equals("search")) {
        limit = u.getJsonArray("limits").getJsonObject(0).getString("limit");
      }
    }
    return usage.getString("identity") + " " + limit;
  }

  static String eventually(Callable<String> read, String expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    String last = read.call();
    while (!expected.equals(last) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      last = read.call();
    }
    return last;
  }

  /** Alternates {@code n} requests of {@code key} over the two gateways; how many passed. */
  int admittedOverBoth(int n, String path, String key, int portA, int portB) throws Exception {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      ok += status(i % 2 == 0 ? portA : portB, path, key) == 200 ? 1 : 0;
    }
    return ok;
  }

  @Test
  void aKeysOwnLimits_holdAcrossTwoGatewaysAndARestart() throws Exception {
    try (ServeProcess a = new ServeProcess(Map.of(), args)) {
      String fingerprint;
      try (ServeProcess b = new ServeProcess(Map.of(), args)) {
        HttpResponse<String> put =
            admin(
                a.adminPort,
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + a.adminPort + "/admin/overrides/k"))
                    .PUT(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"limits\": {\"search\": \"12/hour\", \"global\": \"1000/hour\"}}")));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        fingerprint = searchLimit(a.adminPort, "k").split(" ")[0];
        assertThat(eventually(() -> searchLimit(b.adminPort, "k"), fingerprint + " 12/hour"))
            .as("the other gateway applies the override")
            .isEqualTo(fingerprint + " 12/hour");

        assertThat(admittedOverBoth(30, "/search", "k", a.proxyPort, b.proxyPort))
            .as("12/hour for this key, counted once over both gateways")
            .isEqualTo(12);
      }
      try (ServeProcess c = new ServeProcess(Map.of(), args)) {
        assertThat(status(c.proxyPort, "/search", "k"))
            .as("a restarted gateway finds the count where it was")
            .isEqualTo(429);
        assertThat(status(a.proxyPort, "/search", "k")).isEqualTo(429);
      }
    }
  }

  @Test
  void afterAFlushAndARestart_bothGatewaysHashWithOneSecret() throws Exception {
    try (ServeProcess a = new ServeProcess(Map.of(), args)) {
      String before;
      try (ServeProcess b = new ServeProcess(Map.of(), args)) {
        before = searchLimit(a.adminPort, "z");
        assertThat(searchLimit(b.adminPort, "z")).isEqualTo(before);
      }
      RedisClient client = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        c.sync().flushall();
      } finally {
        client.shutdown();
      }
      try (ServeProcess c = new ServeProcess(Map.of(), args)) {
        String atC = searchLimit(c.adminPort, "z");
        assertThat(eventually(() -> searchLimit(a.adminPort, "z"), atC))
            .as("the running gateway hashes as the restarted one does")
            .isEqualTo(atC);

        assertThat(admittedOverBoth(16, "/", "z", a.proxyPort, c.proxyPort))
            .as("10/hour, counted once over both gateways")
            .isEqualTo(10);
      }
    }
  }
}
