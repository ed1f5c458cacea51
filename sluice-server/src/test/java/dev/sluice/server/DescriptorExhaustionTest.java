package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve} run out of file descriptors ({@code ulimit -n 256}) by idle connections: it
 * used to lose its accepting thread for good (the first log line of the failed accept loaded the
 * time-zone data, with no descriptor to open it), every later request timing out while {@code
 * /healthz} said 200. Now accepting pauses and resumes by itself, and the proxy serves again once
 * the connections are gone. A real child process; its connection limits raised past the descriptor
 * limit, so that accepting itself fails.
 */
@EnabledOnOs(OS.LINUX)
class DescriptorExhaustionTest {
  static final int DESCRIPTORS = 256;

  /** More than the process may hold: the rest wait in the listening socket's backlog. */
  static final int CONNECTIONS = 400;

  @TempDir Path dir;

  @Test
  void outOfDescriptors_theProxyStopsAccepting_thenServesAgainOnceTheyAreFree() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: ip, limits: 1000000/minute}\n");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ServeProcess p =
        new ServeProcess(
            DESCRIPTORS,
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
            "--max-connections",
            "100000",
            "--max-connections-per-client",
            "100000",
            "--drain",
            "1s")) {
      URI proxy = URI.create("http://127.0.0.1:" + p.proxyPort + "/hello");
      URI health = URI.create("http://127.0.0.1:" + p.adminPort + "/healthz");
      assertThat(get(http, proxy, 30).statusCode()).isEqualTo(200);

      List<Socket> idle = new ArrayList<>();
      try {
        for (int i = 0; i < CONNECTIONS; i++) {
          idle.add(new Socket(InetAddress.getLoopbackAddress(), p.proxyPort));
        }
        p.await(Pattern.compile("could not accept a connection"));
        // Meanwhile the admin port has no descriptor either: /healthz may go unanswered, but it
        // must not say all is well.
        Integer meanwhile = statusOrNull(http, health, 3);
        assertThat(meanwhile == null ? "no answer" : "status " + meanwhile)
            .as("/healthz while out of descriptors")
            .isNotEqualTo("status 200");
      } finally {
        for (Socket s : idle) {
          s.close();
        }
      }

      assertThat(get(http, proxy, 30).statusCode()).as("served again").isEqualTo(200);
      assertThat(get(http, health, 30).statusCode()).isEqualTo(200);
      String metrics =
          get(http, URI.create("http://127.0.0.1:" + p.adminPort + "/metrics"), 30).body();
      assertThat(metrics).containsPattern("sluice_accept_errors_total [1-9]");
      assertThat(p.output()).doesNotContain("Exception in thread");
    }
  }

  static HttpResponse<String> get(HttpClient http, URI uri, int seconds)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(seconds)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The status of a GET, or {@code null} if none came within {@code seconds}. */
  static Integer statusOrNull(HttpClient http, URI uri, int seconds) throws InterruptedException {
    try {
      return get(http, uri, seconds).statusCode();
    } catch (HttpTimeoutException e) {
      return null;
    } catch (IOException e) {
      return null; // refused or reset: not answered either
    }
  }
}
