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
class GatewaysOnRedisTest {
  static final String SECRET = "00112233445566778899aabbccddeeff";

  @TempDir
  Path dir;

  @Test
  void twoGatewaysOnOneRedis_admitExactlyTheLimitBetweenThem() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer upstream = vertx.createHttpServer()
        .requestHandler(req -> req.response().end("ok"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: header:X-Api-Key, limits: [120/hour]}\n");
    String[] args = {"--config", policy.toString(), "--port", "0", "--admin-port", "0",
        "--upstream", "http://127.0.0.1:" + upstream.actualPort(), "--store", null,
        "--store-timeout", "2s"};
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
            done.add(pool.submit(() -> {
              for (int i = 0; i < 25; i++) {
                URI uri = URI.create("http://127.0.0.1:" + ports[(thread + i) % 2] + "/work");
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                    .header("X-Api-Key", "shared").timeout(Duration.ofSeconds(30)).build(),
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
        HttpResponse<String> atA = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + a.proxyPort + "/work")).header("X-Api-Key", "shared")
            .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> fresh = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + b.proxyPort + "/work")).header("X-Api-Key", "other")
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(atA.statusCode()).isEqualTo(429);
        assertThat(fresh.statusCode()).isEqualTo(200);
        assertThat(fresh.headers().firstValue("X-RateLimit-Remaining")).hasValue("119");
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
