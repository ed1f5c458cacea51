package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve --demo} as a real process: it serves headers and 429s, reloads its policy on
 * SIGHUP (refusing a bad one), and exits on SIGTERM.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ServeProcessTest {
  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void servesReloadsOnHangUpAndStopsOnTerm() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: ip, limits: 1/hour}\n");
    try (ServeProcess p =
        new ServeProcess(
            Map.of(),
            "--config",
            policy.toString(),
            "--demo",
            "--state-dir",
            dir.resolve("state").toString(),
            "--port",
            "0",
            "--admin-port",
            "0",
            "--drain",
            "1s",
            "--shutdown-grace",
            "0s")) {
      URI proxy = URI.create("http://127.0.0.1:" + p.proxyPort + "/hello");

      assertThat(get(proxy).statusCode()).isEqualTo(200);
      HttpResponse<String> denied = get(proxy);
      assertThat(denied.statusCode()).isEqualTo(429);
      assertThat(denied.body())
          .startsWith("{\"detail\": \"Rate limit exceeded\", \"retry_after\": ");

      Files.writeString(policy, "global: {key: ip, limits: 5/hour}\n");
      p.signal("HUP");
      p.await(Pattern.compile("policy reloaded"));
      assertThat(get(proxy).headers().firstValue("X-RateLimit-Limit")).hasValue("5");

      Files.writeString(policy, "global: {key: ip, limits: 5/hoor}\n");
      p.signal("HUP");
      p.await(Pattern.compile("policy reload refused"));
      assertThat(get(proxy).headers().firstValue("X-RateLimit-Limit")).hasValue("5");
      assertThat(get(URI.create("http://127.0.0.1:" + p.adminPort + "/healthz")).statusCode())
          .isEqualTo(200);

      assertDrainsAndExitsZero(p, "TERM");
    }
  }

  @Test
  void exitsZeroAfterSigint() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: ip, limits: 1/hour}\n");
    try (ServeProcess p =
        new ServeProcess(
            Map.of(),
            "--config",
            policy.toString(),
            "--demo",
            "--state-dir",
            dir.resolve("state").toString(),
            "--port",
            "0",
            "--admin-port",
            "0",
            "--drain",
            "1s",
            "--shutdown-grace",
            "0s")) {
      assertThat(get(URI.create("http://127.0.0.1:" + p.proxyPort + "/hello")).statusCode())
          .isEqualTo(200);

      assertDrainsAndExitsZero(p, "INT");
    }
  }

  /** Sends {@code signal}; the process drains and exits 0 (not 128 + the signal's number). */
  private static void assertDrainsAndExitsZero(ServeProcess p, String signal) throws Exception {
    p.signal(signal);
    assertThat(p.process.waitFor(30, TimeUnit.SECONDS)).as("exits after SIG%s", signal).isTrue();
    p.await(Pattern.compile("draining requests in flight"));
    assertThat(p.process.exitValue()).as("0 after SIG%s and a drain", signal).isZero();
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
