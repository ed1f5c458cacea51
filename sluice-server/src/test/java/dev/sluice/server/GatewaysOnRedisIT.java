package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes on one real Redis, many clients spread over both: one limit holds across
 * them exactly, and a client's 429 from one gateway stands at the other.
 */
@EnabledOnOs(OS.LINUX)
class GatewaysOnRedisIT {
  static final String SECRET = "00112233445566778899aabbccddeeff";

  @TempDir Path dir;

  @Test
  void twoGatewaysOnOneRedis_admitExactlyTheLimitBetweenThem() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer upstream =
        vertx
            .createHttpServer()
            .requestHandler(req -> req.response().end("ok"))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: header:X-Api-Key, limits: [120/hour]}\n");
    String[] args = {
      "--config",
      policy.toString(),
      "--port",
      "0",
      "--admin-port",
      "0",
      "--upstream",
      "http://127.0.0.1:" + upstream.actualPort(),
      "--store",
      null,
      "--store-timeout",
      "2s"
    };
    try (RedisServer redis = RedisServer.start()) {
      args[9] = redis.uri();
      try (ServeProcess a = new ServeProcess(Map.of("SLUICE_IDENTITY_SECRET", SECRET), args);
          ServeProcess b = new ServeProcess(Map.of("SLUICE_IDENTITY_SECRET", SECRET), args)) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int[] ports = {a.proxyPort, b.proxyPort};
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger limited = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
          List<Future<?>> done = new ArrayList<>();
          for (int t = 0; t < 12; t++) {
            int thread = t;
            done.add(
                pool.submit(
                    () -> {
                      for (int i = 0; i < 25; i++) {
                        URI uri =
                            URI.create("http://127.0.0.1:" + ports[(thread + i) % 2] + "/work");
                        HttpResponse<String> r =
                            http.send(
                                HttpRequest.newBuilder(uri)
                                    .header("X-Api-Key", "shared")
                                    .timeout(Duration.ofSeconds(30))
                                    .build(),
                                HttpResponse.BodyHandlers.ofString());
                        (r.statusCode() == 200 ? ok : r.statusCode() == 429 ? limited : other)
                            .incrementAndGet();
                      }
                      return null;
                    }));
          }
          for (Future<?> d : done) {
            d.get(120, TimeUnit.SECONDS);
          }
        } finally {
          pool.shutdownNow();
        }

        assertThat(other.get()).as("no 5xx: Redis answered every decision").isZero();
        assertThat(ok.get()).isEqualTo(120);
        assertThat(limited.get()).isEqualTo(12 * 25 - 120);
        HttpResponse<String> atA =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.proxyPort + "/work"))
                    .header("X-Api-Key", "shared")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> fresh =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.proxyPort + "/work"))
                    .header("X-Api-Key", "other")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(atA.statusCode()).isEqualTo(429);
        assertThat(fresh.statusCode()).isEqualTo(200);
        assertThat(fresh.headers().firstValue("X-RateLimit-Remaining")).hasValue("119");
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void anOverrideSetOnOneGateway_appliesOnTheOtherAndSurvivesARestart() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer upstream =
        vertx
            .createHttpServer()
            .requestHandler(req -> req.response().end("ok"))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        "tiers: {pro: {scale: 10}}\n" + "global: {key: header:X-Api-Key, limits: [2/hour]}\n");
    String token = "test-token-0123456789";
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (RedisServer redis = RedisServer.start()) {
      // No SLUICE_IDENTITY_SECRET: the instances share the secret the first one left in Redis.
      String[] args = {
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
        "--admin-token",
        token,
        "--state-dir",
        dir.resolve("state").toString()
      };
      try (ServeProcess a = new ServeProcess(Map.of(), args);
          ServeProcess b = new ServeProcess(Map.of(), args)) {
        assertThat(limitSeenBy(http, b.proxyPort)).isEqualTo("2");

        HttpResponse<String> put =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + a.adminPort + "/admin/overrides/customer-1"))
                    .header("Authorization", "Bearer " + token)
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"tier\": \"pro\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

        assertThat(eventually(() -> limitSeenBy(http, b.proxyPort), "20"))
            .as("the other gateway applies the override when Redis tells it")
            .isEqualTo("20");
      }
      try (ServeProcess c = new ServeProcess(Map.of(), args)) {
        assertThat(limitSeenBy(http, c.proxyPort))
            .as("kept in Redis across restarts")
            .isEqualTo("20");
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aGatewayStartedWhileRedisIsDown_failsOverThenCountsOnceRedisIsUp() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer upstream =
        vertx
            .createHttpServer()
            .requestHandler(req -> req.response().end("ok"))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        "on-store-failure: closed\n" + "global: {key: header:X-Api-Key, limits: [2/hour]}\n");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (RedisServer redis = RedisServer.start()) {
      redis.kill();
      String[] args = {
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
        "--state-dir",
        dir.resolve("state").toString()
      };
      try (ServeProcess down = new ServeProcess(Map.of("SLUICE_IDENTITY_SECRET", SECRET), args)) {
        assertThat(statusAt(http, down.proxyPort, "/work"))
            .as("closed: 503 while Redis is down")
            .isEqualTo(503);
        assertThat(statusAt(http, down.adminPort, "/readyz")).isEqualTo(503);

        redis.restart(); // on the same port
        assertThat(
                eventually(() -> String.valueOf(statusAt(http, down.adminPort, "/readyz")), "200"))
            .as("ready once it has connected in the background")
            .isEqualTo("200");
        assertThat(statusAt(http, down.proxyPort, "/work")).isEqualTo(200);
        assertThat(statusAt(http, down.proxyPort, "/work")).isEqualTo(200);
        assertThat(statusAt(http, down.proxyPort, "/work")).as("counted in Redis").isEqualTo(429);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static int statusAt(HttpClient http, int port, String path) throws Exception {
    return getAsCustomer(http, port, path).statusCode();
  }

  /** {@code GET path} with customer-1's API key. */
  private static HttpResponse<Void> getAsCustomer(HttpClient http, int port, String path)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("X-Api-Key", "customer-1")
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.discarding());
  }

  private static String limitSeenBy(HttpClient http, int port) throws Exception {
    return getAsCustomer(http, port, "/work")
        .headers()
        .firstValue("X-RateLimit-Limit")
        .orElse("none");
  }

  /** The value {@code read} gives once it equals {@code expected}, or its last value after 10 s. */
  private static String eventually(java.util.concurrent.Callable<String> read, String expected)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String last = read.call();
    while (!expected.equals(last) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      last = read.call();
    }
    return last;
  }
}
