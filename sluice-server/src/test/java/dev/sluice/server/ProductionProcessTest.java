package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve} run as an operator runs it in production, as a real process: configured
 * through the environment only, on a real Redis that requires a password (given in a variable or a
 * file, never on the command line), probed on a health port of its own, stopped by SIGTERM in
 * phases as a load balancer needs, and started under {@code nohup}, where SIGHUP cannot reload.
 */
@EnabledOnOs(OS.LINUX)
class ProductionProcessTest {
  static final String PASSWORD = "redis-pw-4f1c9a";
  static final String TOKEN = "an-admin-token-of-32-characters!";
  static final Pattern HEALTH = Pattern.compile("health: +http://127\\.0\\.0\\.1:(\\d+)");

  static RedisServer redis;

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start("--requirepass", PASSWORD);
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  /** The environment of a gateway configured without a word on its command line. */
  private Map<String, String> environment() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: ip, limits: 100/hour}\n");
    Map<String, String> env = new HashMap<>();
    env.put("SLUICE_CONFIG", policy.toString());
    env.put("SLUICE_DEMO", "true");
    env.put("SLUICE_PORT", "0");
    env.put("SLUICE_ADMIN_PORT", "0");
    env.put("SLUICE_HEALTH_PORT", "0");
    env.put("SLUICE_HEALTH_HOST", "127.0.0.1");
    env.put("SLUICE_STORE", redis.uri());
    env.put("SLUICE_STORE_TIMEOUT", "2s");
    env.put("SLUICE_ADMIN_TOKEN", TOKEN);
    env.put("SLUICE_STATE_DIR", dir.resolve("state").toString());
    return env;
  }

  @Test
  void configuredOnlyByTheEnvironment_withTheRedisPasswordInAFile_servesOnRedis() throws Exception {
    Path secret = dir.resolve("redis-password");
    Files.writeString(secret, PASSWORD + "\n"); // as `echo pw > file` leaves it
    Map<String, String> env = environment();
    env.put("SLUICE_STORE_PASSWORD_FILE", secret.toString());

    try (ServeProcess p = new ServeProcess(env)) {
      int health = Integer.parseInt(p.await(HEALTH));

      assertThat(p.output())
          .contains("store: " + redis.uri())
          .contains("token:  from SLUICE_ADMIN_TOKEN")
          .doesNotContain(PASSWORD);
      HttpResponse<String> ready = get(p.adminPort, "/readyz");
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(ready.body()).contains("\"store_up\":true");
      assertThat(get(p.proxyPort, "/hello").headers().firstValue("X-RateLimit-Remaining"))
          .as("counted in Redis")
          .hasValue("99");
      assertThat(get(health, "/readyz").body()).isEqualTo("{\"status\":\"ready\"}");
      assertThat(get(health, "/metrics").statusCode()).as("probes only").isEqualTo(404);
      assertThat(commandLineOf(p)).doesNotContain(PASSWORD);
    }
  }

  @Test
  void sigterm_readinessFailsWhileRequestsAreServed_thenTheGatewayDrains_andExitsZero()
      throws Exception {
    Map<String, String> env = environment();
    env.put("SLUICE_STORE_PASSWORD", PASSWORD);
    env.put("SLUICE_SHUTDOWN_GRACE", "1h"); // ended by a second signal, not by a clock
    env.put("SLUICE_DRAIN", "5s");

    try (ServeProcess p = new ServeProcess(env)) {
      int health = Integer.parseInt(p.await(HEALTH));
      assertThat(get(health, "/readyz").statusCode()).isEqualTo(200);

      p.signal("TERM");
      p.await(Pattern.compile("/readyz now fails, requests are still served for 1h"));

      // The load balancer's view: unready on every port that answers probes...
      HttpResponse<String> unready = get(health, "/readyz");
      assertThat(unready.statusCode()).isEqualTo(503);
      assertThat(unready.body()).contains("\"status\":\"stopping\"");
      assertThat(get(p.adminPort, "/readyz").statusCode()).isEqualTo(503);
      assertThat(get(health, "/healthz").statusCode())
          .as("alive: not to be restarted")
          .isEqualTo(200);
      // ...while the requests that still come are answered as before.
      HttpResponse<String> served = get(p.proxyPort, "/during-grace");
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(served.headers().firstValue("Connection"))
          .isNotEqualTo(java.util.Optional.of("close"));
      assertThat(p.process.isAlive()).isTrue();

      p.signal("TERM"); // a second one ends the grace
      assertThat(p.process.waitFor(60, TimeUnit.SECONDS)).as("exits after the drain").isTrue();
      p.await(Pattern.compile("no longer accepting connections; draining requests in flight"));
      p.await(Pattern.compile("drained; closing the store"));
      p.await(Pattern.compile("stopped"));
      assertThat(p.process.exitValue()).isZero();
      assertThat(p.output()).doesNotContain(PASSWORD);
    }
  }

  @Test
  void underNohup_theBannerSaysSighupIsIgnored_andOffersTheReloadEndpoint() throws Exception {
    Map<String, String> env = environment();
    env.put("SLUICE_STORE", "memory");

    try (ServeProcess p = ServeProcess.under(List.of("nohup"), env)) {
      p.await(Pattern.compile("^Reload the policy with curl"));
      p.await(Pattern.compile("kill -HUP does nothing"));

      assertThat(p.output())
          .contains("SIGHUP is ignored by this process")
          .contains("kill -HUP does nothing")
          .contains("/admin/reload")
          .doesNotContain("Reload the policy with kill -HUP");
      // And it is so: SIGHUP neither reloads nor ends the process; the endpoint reloads.
      p.signal("HUP");
      HttpResponse<String> reload =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + p.adminPort + "/admin/reload"))
                  .header("Authorization", "Bearer " + TOKEN)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(reload.statusCode()).isEqualTo(200);
      p.await(Pattern.compile("policy reloaded"));
      assertThat(p.process.isAlive()).isTrue();
      assertThat(p.output()).containsOnlyOnce("policy reloaded");
    }
  }

  @Test
  void withoutNohup_theBannerOffersKillHup() throws Exception {
    Map<String, String> env = environment();
    env.put("SLUICE_STORE", "memory");

    try (ServeProcess p = new ServeProcess(env)) {
      String line = p.await(Pattern.compile("^Reload the policy with .*"));

      assertThat(line).contains("kill -HUP " + p.process.pid()).contains("/admin/reload");
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The process's command line, as anyone who can list processes reads it. */
  private static String commandLineOf(ServeProcess p) throws Exception {
    return Files.readString(Path.of("/proc", Long.toString(p.process.pid()), "cmdline"))
        .replace('\0', ' ');
  }
}
