package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The access log in both formats, written by {@code sluice serve} as a process under requests that
 * carry raw keys in every place a key travels (a header, the bearer token, the query string, a path
 * segment, the JSON body, the referrer, a cookie): none of them reaches the file, and each identity
 * appears as its fingerprint. The JSON form replays in {@code sluice simulate}; the server's own
 * messages, with {@code --log-format json}, parse line by line.
 */
class AccessLogTest {
  /** Every secret below contains it, in any case; the log must not. */
  private static final String MARK = "zqxsecret";

  private static final String POLICY =
      """
      key: header:X-Api-Key
      rules:
        - name: per-key
          route: GET /items
          limits: 100/minute
        - name: per-account
          route: GET /accounts/{account}/items
          key: path:account
          limits: 100/minute
        - name: per-query
          route: GET /search
          key: query:api_key
          limits: 100/minute
        - name: login
          route: POST /login
          key: body:email
          limits: 100/minute
        - name: me
          route: GET /me
          key: bearer
          limits: 1/minute
      """;

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** The requests, with their statuses; 8 lines in the log. */
  private List<Integer> traffic(int port) throws Exception {
    String base = "http://127.0.0.1:" + port;
    List<HttpRequest> requests =
        List.of(
            HttpRequest.newBuilder(URI.create(base + "/items"))
                .header("X-Api-Key", "sk_live_ZQXSECRET_header")
                .header("Referer", "https://app.example/page?token=zqxsecret_referer")
                .header("Cookie", "session=zqxsecret_cookie")
                .header("User-Agent", "load-test/1.0")
                .build(),
            HttpRequest.newBuilder(URI.create(base + "/accounts/ZqxSecretAccount/items")).build(),
            HttpRequest.newBuilder(URI.create(base + "/search?q=x&api_key=zqxsecret_query"))
                .build(),
            HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"email\":\"zqxsecret.body@example.com\",\"password\":\"zqxsecret_pw\"}"))
                .build(),
            HttpRequest.newBuilder(URI.create(base + "/me"))
                .header("Authorization", "Bearer zqxsecret_bearer")
                .build(),
            HttpRequest.newBuilder(URI.create(base + "/me")) // over its 1/minute: 429
                .header("Authorization", "Bearer zqxsecret_bearer")
                .build(),
            // refused before any decision (an encoded slash): its path is still redacted
            HttpRequest.newBuilder(
                    URI.create(base + "/accounts/zqxsecret%2Fpath/items?api_key=zqxsecret_q2"))
                .build(),
            // a control character cannot forge a line: %0A is refused, and escaped if logged
            HttpRequest.newBuilder(URI.create(base + "/items%0Afake"))
                .header("X-Api-Key", "zqxsecret_header2")
                .build());
    List<Integer> statuses = new ArrayList<>();
    for (HttpRequest r : requests) {
      statuses.add(http.send(r, HttpResponse.BodyHandlers.ofString()).statusCode());
    }
    return statuses;
  }

  private ServeProcess serve(String... extra) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    List<String> args =
        new ArrayList<>(
            List.of(
                "-c",
                policy.toString(),
                "--demo",
                "--port",
                "0",
                "--admin-port",
                "0",
                "--state-dir",
                dir.resolve("state").toString()));
    args.addAll(List.of(extra));
    return new ServeProcess(Map.of(), args.toArray(String[]::new));
  }

  /** Stops {@code p} as an operator would: its queued lines are written before it exits. */
  private static void stop(ServeProcess p) throws Exception {
    p.signal("TERM");
    assertThat(p.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void combined_hasALinePerRequest_andNoKeyAnywhere() throws Exception {
    Path log = dir.resolve("access.log");
    List<Integer> statuses;
    try (ServeProcess p = serve("--access-log", log.toString())) {
      statuses = traffic(p.proxyPort);
      stop(p);
    }
    assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 400, 400);
    String text = Files.readString(log);
    assertThat(text.toLowerCase(Locale.ROOT)).doesNotContain(MARK);
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).hasSize(8);
    Pattern combined =
        Pattern.compile(
            "127\\.0\\.0\\.1 - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000] \"[A-Z]+"
                + " \\S+ HTTP/1\\.1\" \\d{3} \\d+ \"[^\"]*\" \"[^\"]*\" rule=\\S+ outcome=\\S+"
                + " identity=(-|fp:[0-9a-f]{16}) decision_us=(-|\\d+) upstream_us=(-|\\d+)"
                + " total_us=\\d+");
    assertThat(lines).allSatisfy(l -> assertThat(l).matches(combined));
    assertThat(lines.get(0))
        .startsWith("127.0.0.1 - - [")
        .contains("\"GET /items HTTP/1.1\" 200 ")
        .contains("\"https://app.example/page\" \"load-test/1.0\" rule=per-key outcome=allowed")
        .containsPattern("identity=fp:[0-9a-f]{16} decision_us=\\d+ upstream_us=\\d+");
    assertThat(lines.get(1)).contains("\"GET /accounts/{account}/items HTTP/1.1\" 200");
    assertThat(lines.get(2)).contains("\"GET /search HTTP/1.1\" 200");
    assertThat(lines.get(5)).contains("\" 429 ").contains("rule=me outcome=denied");
    assertThat(lines.get(6))
        .contains("\"GET /accounts/{account}/items HTTP/1.1\" 400")
        .contains("rule=- outcome=- identity=- decision_us=- upstream_us=-");
    assertThat(lines.get(7)).contains("\"GET /items%0Afake HTTP/1.1\" 400");
  }

  @Test
  void json_parsesLineByLine_hasNoKey_andReplaysInSimulate() throws Exception {
    Path log = dir.resolve("access.jsonl");
    List<Integer> statuses;
    String output;
    try (ServeProcess p =
        serve(
            "--access-log",
            log.toString(),
            "--access-log-format",
            "json",
            "--access-log-client",
            "fingerprint",
            "--log-format",
            "json")) {
      statuses = traffic(p.proxyPort);
      // a warning of the server's own, in JSON: a reload the policy refuses
      Files.writeString(dir.resolve("policy.yaml"), "rules: [");
      p.signal("HUP");
      p.await(Pattern.compile("policy reload refused"));
      stop(p);
      output = p.output();
    }
    assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 400, 400);
    assertThat(Files.readString(log).toLowerCase(Locale.ROOT)).doesNotContain(MARK);
    List<JsonObject> lines = Files.readAllLines(log).stream().map(JsonObject::new).toList();
    assertThat(lines).hasSize(8);
    JsonObject first = lines.get(0);
    assertThat(first.getString("client")).matches("fp:[0-9a-f]{16}"); // not the address
    assertThat(first.getString("method")).isEqualTo("GET");
    assertThat(first.getString("path")).isEqualTo("/items");
    assertThat(first.getInteger("status")).isEqualTo(200);
    assertThat(first.getString("rule")).isEqualTo("per-key");
    assertThat(first.getString("outcome")).isEqualTo("allowed");
    assertThat(first.getString("identity")).matches("fp:[0-9a-f]{16}");
    assertThat(first.getLong("decision_us")).isNotNegative();
    assertThat(first.getLong("upstream_us")).isNotNegative();
    assertThat(first.getLong("total_us")).isGreaterThanOrEqualTo(first.getLong("upstream_us"));
    assertThat(first.getJsonObject("headers").getString("referer"))
        .isEqualTo("https://app.example/page");
    assertThat(lines.get(1).getString("path")).isEqualTo("/accounts/{account}/items");
    assertThat(lines.get(5).getInteger("status")).isEqualTo(429);
    assertThat(lines.get(6).containsKey("decision_us")).isFalse();
    assertThat(output).doesNotContain(" 127.0.0.1 - - [");

    // The server's own messages: every line that is not the banner is one JSON object.
    List<JsonObject> messages = new ArrayList<>();
    for (String line : output.split("\n")) {
      if (line.startsWith("{")) {
        messages.add(new JsonObject(line));
      }
    }
    assertThat(messages)
        .allSatisfy(m -> assertThat(m.fieldNames()).contains("time", "level", "logger", "message"))
        .anySatisfy(
            m -> {
              assertThat(m.getString("level")).isEqualTo("WARN");
              assertThat(m.getString("logger")).isEqualTo("sluice.gateway");
              assertThat(m.getString("message")).startsWith("policy reload refused");
            });

    // sluice simulate reads the log as written, every line
    Files.writeString(dir.resolve("policy.yaml"), POLICY);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit =
        cl.execute(
            "simulate",
            "-c",
            dir.resolve("policy.yaml").toString(),
            "--log",
            log.toString(),
            "--format",
            "json",
            "--json",
            "-");
    assertThat(exit).as(err.toString()).isZero();
    JsonObject replay = new JsonObject(out.toString());
    assertThat(replay.getJsonObject("log").getLong("lines")).isEqualTo(8);
    assertThat(replay.getJsonObject("log").getLong("malformed")).isZero();
    assertThat(replay.getJsonObject("policy").getLong("requests")).isEqualTo(8);
  }
}
