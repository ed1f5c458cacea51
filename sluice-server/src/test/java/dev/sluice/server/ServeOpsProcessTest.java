package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sluice serve} with its operations as a real process: a generated admin token printed once,
 * the state directory, and an override that outlives a restart of the process.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ServeOpsProcessTest {
  private static final Pattern TOKEN = Pattern.compile("token: +([0-9a-f]{48}) ");

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> send(String method, URI uri, String token, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void overridesOutliveARestart_underAGeneratedThenAConfiguredToken() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        """
        key: header:X-Api-Key
        global: {limits: 10/hour}
        tiers:
          pro: {scale: 5}
        """);
    Path state = dir.resolve("state");
    String[] args = {
      "--config",
      policy.toString(),
      "--demo",
      "--port",
      "0",
      "--admin-port",
      "0",
      "--drain",
      "1s",
      "--state-dir",
      state.toString()
    };
    String fingerprint;
    try (ServeProcess p = new ServeProcess(Map.of(), args)) {
      String token = p.await(TOKEN);
      URI overrides = URI.create("http://127.0.0.1:" + p.adminPort + "/admin/overrides/key-1");

      assertThat(send("GET", overrides, null, null).statusCode()).isEqualTo(401);
      HttpResponse<String> put = send("PUT", overrides, token, "{\"tier\": \"pro\"}");
      assertThat(put.statusCode()).isEqualTo(200);
      fingerprint = new io.vertx.core.json.JsonObject(put.body()).getString("identity");
      assertThat(
              send("GET", URI.create("http://127.0.0.1:" + p.proxyPort + "/x"), null, null)
                  .statusCode())
          .as("no key: a 400")
          .isEqualTo(400);
      p.signal("TERM");
      assertThat(p.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(state.resolve("identity.key"))))
        .isEqualTo("rw-------");

    String configured = "configured-token-0123456789";
    try (ServeProcess p = new ServeProcess(Map.of("SLUICE_ADMIN_TOKEN", configured), args)) {
      p.await(Pattern.compile("token: +from SLUICE_ADMIN_TOKEN"));
      HttpResponse<String> all =
          send(
              "GET",
              URI.create("http://127.0.0.1:" + p.adminPort + "/admin/overrides"),
              configured,
              null);

      assertThat(all.body()).contains("\"identity\":\"" + fingerprint + "\"").contains("\"pro\"");
      HttpResponse<String> proxied =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.proxyPort + "/x"))
                  .header("X-Api-Key", "key-1")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(proxied.headers().firstValue("X-RateLimit-Limit")).hasValue("50");
      p.signal("TERM");
      assertThat(p.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aShortAdminToken_isRefused() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: ip, limits: 5/minute}\n");
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));

    int code =
        cl.execute(
            "serve",
            "--config",
            policy.toString(),
            "--admin-token",
            "short",
            "--state-dir",
            dir.resolve("state").toString(),
            "--port",
            "0",
            "--admin-port",
            "0");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith(
            "sluice serve: --admin-token: an admin token is at" + " least 16 printable characters");
  }
}
