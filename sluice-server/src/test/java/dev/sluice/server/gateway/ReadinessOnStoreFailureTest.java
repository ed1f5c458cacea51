package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisServer;
import dev.sluice.redis.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /readyz} with Redis stopped, in each {@code on-store-failure} mode: ready (200) when the
 * policy goes on serving without the store ({@code open}, {@code local}), unavailable (503) only
 * when it refuses every request ({@code closed}). A real {@code redis-server}, killed.
 */
@EnabledOnOs(OS.LINUX)
class ReadinessOnStoreFailureTest {
  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  /** {@code /readyz} of a gateway on a Redis that was up at start and has been killed since. */
  private HttpResponse<String> readyzWithRedisKilled(String mode) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy, "on-store-failure: " + mode + "\nglobal: {key: ip, limits: [100/minute]}\n");
    try (RedisServer redis = RedisServer.start();
        RedisStore store =
            RedisStore.builder(redis.uri()).timeout(Duration.ofMillis(250)).build()) {
      Engines engines = new Engines(policy, store, new byte[16]);
      Gateway gateway =
          Gateway.start(
              engines,
              new Gateway.Options(
                  "127.0.0.1", 0, "127.0.0.1", 0, null, 64 * 1024, 1, Duration.ofSeconds(1)),
              () -> Future.fromCompletionStage(engines.probe()));
      try {
        HttpResponse<String> up = readyz(gateway);
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(up.body()).getBoolean("store_up")).isTrue();

        redis.kill();
        return readyz(gateway);
      } finally {
        gateway.close();
      }
    }
  }

  private HttpResponse<String> readyz(Gateway gateway) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/readyz"))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void redisDown_failOpen_isStillReady_andSaysRequestsAreAdmittedUncounted() throws Exception {
    HttpResponse<String> r = readyzWithRedisKilled("open");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getString("status")).isEqualTo("ready");
    assertThat(body.getBoolean("store_up")).isFalse();
    assertThat(body.getString("on_store_failure")).isEqualTo("open");
    assertThat(body.getString("requests")).isEqualTo("admitted uncounted until the store answers");
    assertThat(body.getString("store")).isNotBlank();
    assertThat(body.containsKey("table")).as("no in-memory table").isFalse();
  }

  @Test
  void redisDown_local_isStillReady_andSaysRequestsAreCountedLocally() throws Exception {
    HttpResponse<String> r = readyzWithRedisKilled("local");

    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getString("status")).isEqualTo("ready");
    assertThat(body.getBoolean("store_up")).isFalse();
    assertThat(body.getString("requests"))
        .isEqualTo("counted in this instance's memory until the store answers");
  }

  @Test
  void redisDown_failClosed_isUnavailable() throws Exception {
    HttpResponse<String> r = readyzWithRedisKilled("closed");

    assertThat(r.statusCode()).isEqualTo(503);
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getString("status")).isEqualTo("unavailable");
    assertThat(body.getBoolean("store_up")).isFalse();
    assertThat(body.getString("on_store_failure")).isEqualTo("closed");
    assertThat(body.getString("requests")).isEqualTo("refused with 503 until the store answers");
  }

  @Test
  void aFailureThatIsNoStoreOutage_isUnreadiness_evenWhenThePolicyFailsOpen() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "on-store-failure: open\nglobal: {key: ip, limits: [100/minute]}\n");
    Engines engines = new Engines(policy, dev.sluice.core.store.InMemoryStore.create(), null);
    // what SecretWatch answers when this instance's identity secret is not the other instances'
    Gateway gateway =
        Gateway.start(
            engines,
            new Gateway.Options(
                "127.0.0.1", 0, "127.0.0.1", 0, null, 64 * 1024, 1, Duration.ofSeconds(1)),
            () -> Future.failedFuture(new IllegalStateException("identity secret differs")));
    try {
      HttpResponse<String> r = readyz(gateway);

      assertThat(r.statusCode()).isEqualTo(503);
      JsonObject body = new JsonObject(r.body());
      assertThat(body.getString("status")).isEqualTo("unavailable");
      assertThat(body.getString("store")).isEqualTo("identity secret differs");
      assertThat(body.containsKey("requests")).isFalse();
    } finally {
      gateway.close();
    }
  }
}
