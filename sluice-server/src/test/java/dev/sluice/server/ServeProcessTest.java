package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve --demo} as a real process: it serves headers and 429s, reloads its policy
 * on SIGHUP (refusing a bad one), and exits on SIGTERM.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ServeProcessTest {
  private static final Pattern PROXY = Pattern.compile("proxy: +http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern ADMIN = Pattern.compile("admin: +http://127\\.0\\.0\\.1:(\\d+)");

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  @Test
  void servesReloadsOnHangUpAndStopsOnTerm() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: ip, limits: 1/hour}\n");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "dev.sluice.server.Main", "serve", "--config", policy.toString(), "--demo",
        "--port", "0", "--admin-port", "0", "--drain", "1s")
        .redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      List<String> seen = new ArrayList<>();
      int proxyPort = Integer.parseInt(await(PROXY, seen));
      int adminPort = Integer.parseInt(await(ADMIN, seen));
      URI proxy = URI.create("http://127.0.0.1:" + proxyPort + "/hello");

      assertThat(get(proxy).statusCode()).isEqualTo(200);
      HttpResponse<String> denied = get(proxy);
      assertThat(denied.statusCode()).isEqualTo(429);
      assertThat(denied.body()).startsWith("{\"detail\": \"Rate limit exceeded\", \"retry_after\": ");

      Files.writeString(policy, "global: {key: ip, limits: 5/hour}\n");
      signal(p, "HUP");
      await(Pattern.compile("policy reloaded"), seen);
      assertThat(get(proxy).headers().firstValue("X-RateLimit-Limit")).hasValue("5");

      Files.writeString(policy, "global: {key: ip, limits: 5/hoor}\n");
      signal(p, "HUP");
      await(Pattern.compile("policy reload refused"), seen);
      assertThat(get(proxy).headers().firstValue("X-RateLimit-Limit")).hasValue("5");
      assertThat(get(URI.create("http://127.0.0.1:" + adminPort + "/healthz")).statusCode())
          .isEqualTo(200);

      signal(p, "TERM");
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
      await(Pattern.compile("stopping; draining"), seen);
    } finally {
      p.destroyForcibly();
    }
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void signal(Process p, String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  /** Waits (up to 60 s: the first start compiles a lot) for a line matching {@code pattern}. */
  private String await(Pattern pattern, List<String> seen) throws InterruptedException {
    for (String line : seen) {
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return m.groupCount() > 0 ? m.group(1) : line;
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line == null) {
        continue;
      }
      seen.add(line);
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return m.groupCount() > 0 ? m.group(1) : line;
      }
    }
    throw new AssertionError("no line matching " + pattern + " in:\n" + String.join("\n", seen));
  }
}
