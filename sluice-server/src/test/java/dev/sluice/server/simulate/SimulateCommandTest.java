package dev.sluice.server.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code sluice simulate} on generated logs whose answers are known: a client at exactly the limit,
 * one over by one, a burst across a window boundary, many clients, for each algorithm; the diff of
 * two policies; each log format; gzip; malformed and out-of-order lines; bad input.
 */
class SimulateCommandTest {
  @TempDir Path dir;

  Path policy(String name, String yaml) throws IOException {
    return Files.writeString(dir.resolve(name), yaml);
  }

  Path perIp(String limit) throws IOException {
    return policy(
        "p-" + Integer.toHexString(limit.hashCode()) + ".yaml",
        """
        key: ip
        rules:
          - name: search
            route: GET /search
            limits: %s
        """
            .formatted(limit));
  }

  /**
   * At exactly the limit, over by one, and a burst of 10 at 12:00:59 then 10 at 12:01:00, and 500
   * clients sending one request each.
   */
  static TrafficLog knownTraffic() {
    TrafficLog log = new TrafficLog();
    log.get(1, "203.0.113.1", 10); // exactly 10 in the first minute
    log.get(2, "203.0.113.2", 11); // one over
    log.get(59, "203.0.113.3", 10); // a burst at the end of the window...
    log.get(60, "203.0.113.3", 10); // ...and one at the start of the next
    for (int i = 0; i < 500; i++) {
      log.get(30 + i / 100.0, (i < 250 ? "198.51.100." : "198.51.101.") + (i % 250), 1);
    }
    return log.sorted();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // fixed: the next window starts afresh, so the burst across the boundary all passes
    "'10/minute',                   1, 1",
    // sliding: at 12:01:00 the whole previous minute still weighs, so the second burst is denied
    "'{limit: 10/minute, algorithm: sliding}', 11, 2",
    // token bucket: one second refills a sixth of a token, so the second burst is denied
    "'{limit: 10/minute, algorithm: token-bucket, burst: 10}', 11, 2",
  })
  void replay_countsExactlyWhatEachAlgorithmDenies(String limit, long denied, int identities)
      throws IOException {
    Path log = TrafficLog.write(dir.resolve("access.log"), knownTraffic().combined());
    Run r = Run.of("-c", perIp(limit).toString(), "--log", log.toString(), "--json", "-");

    assertThat(r.exit()).as(r.err()).isZero();
    JsonObject p = r.policy();
    assertThat(p.getLong("requests")).isEqualTo(10 + 11 + 20 + 500);
    assertThat(p.getLong("denied")).isEqualTo(denied);
    assertThat(p.getLong("allowed")).isEqualTo(541 - denied);
    JsonObject search = r.rule("search");
    assertThat(search.getLong("seen")).isEqualTo(541);
    assertThat(search.getLong("denied")).isEqualTo(denied);
    assertThat(search.getJsonArray("limits").getJsonObject(0).getLong("denied")).isEqualTo(denied);
    assertThat(p.getLong("identitiesLimited")).isEqualTo(identities);
    // the one over by one is denied exactly once, at its 11th request (line 21)
    JsonObject one = findByLine(p, 21);
    assertThat(one.getLong("denied")).isEqualTo(1);
    assertThat(one.getString("firstDenial")).isEqualTo("2030-01-01T12:00:02Z");
    assertThat(one.getString("binding")).startsWith("search");
    assertThat(one.getString("fingerprint")).matches("[0-9a-f]{16}");
    assertThat(r.out()).doesNotContain("203.0.113.2"); // identities by fingerprint, never raw
    // the peak minute is the first: 10 + 11 + 10 + 500
    assertThat(search.getJsonObject("peakMinute").getString("start"))
        .isEqualTo("2030-01-01T12:00:00Z");
    assertThat(search.getJsonObject("peakMinute").getLong("requests")).isEqualTo(531);
  }

  private static JsonObject findByLine(JsonObject policy, long line) {
    var ids = policy.getJsonArray("identities");
    for (int i = 0; i < ids.size(); i++) {
      if (ids.getJsonObject(i).getLong("firstDenialLine") == line) {
        return ids.getJsonObject(i);
      }
    }
    throw new AssertionError("no identity first denied on line " + line + ": " + ids);
  }

  @Test
  void against_saysWhichRequestsAPolicyChangeNewlyDeniesAndAllows() throws IOException {
    Path log = TrafficLog.write(dir.resolve("access.log"), knownTraffic().combined());
    Path tight = perIp("5/minute");
    Path loose = perIp("10/minute");

    Run tighter =
        Run.of(
            "-c",
            tight.toString(),
            "--against",
            loose.toString(),
            "--log",
            log.toString(),
            "--json",
            "-");
    assertThat(tighter.exit()).as(tighter.err()).isZero();
    JsonObject diff = tighter.json().getJsonObject("diff");
    // 10 at the limit: 5 newly denied; 11: 6 under 5/minute, 1 before; burst: 5 + 5
    assertThat(diff.getLong("newlyDenied")).isEqualTo(5 + 5 + 10);
    assertThat(diff.getLong("newlyAllowed")).isZero();
    assertThat(diff.getJsonArray("rules").getJsonObject(0).getLong("newlyDenied")).isEqualTo(20);
    assertThat(tighter.json().getJsonObject("against").getLong("denied")).isEqualTo(1);

    Run looser =
        Run.of("-c", loose.toString(), "--against", tight.toString(), "--log", log.toString());
    assertThat(looser.exit()).isZero();
    assertThat(looser.out()).contains("0 requests newly denied, 20 newly allowed");
  }

  @Test
  void failIfDeniedOver_exitsOneWhenTheShareDeniedIsOverIt() throws IOException {
    Path log = TrafficLog.write(dir.resolve("access.log"), knownTraffic().combined());
    Path p = perIp("{limit: 10/minute, algorithm: sliding}"); // 11 of 541 denied: 2.03%

    Run over = Run.of("-c", p.toString(), "--log", log.toString(), "--fail-if-denied-over", "2%");
    assertThat(over.exit()).isEqualTo(1);
    assertThat(over.out()).contains("Gate: 2.03% of requests denied, limit 2.000%: FAIL");

    Run under =
        Run.of("-c", p.toString(), "--log", log.toString(), "--fail-if-denied-over", "2.1%");
    assertThat(under.exit()).isZero();
    assertThat(under.out()).contains(": pass");
  }

  @Test
  void jsonLines_withRenamedFieldsAndAHeaderKey() throws IOException {
    TrafficLog traffic = new TrafficLog();
    traffic.keyed(1, "203.0.113.1", "k-alice", 4); // one client address, two keys
    traffic.keyed(2, "203.0.113.1", "k-bob", 2);
    Path log = TrafficLog.write(dir.resolve("access.jsonl"), traffic.json());
    Path p =
        policy(
            "keyed.yaml",
            """
            key: header:X-API-Key
            rules:
              - name: search
                route: GET /search
                limits: 3/minute
            """);

    Run r =
        Run.of(
            "-c",
            p.toString(),
            "--log",
            log.toString(),
            "--field",
            "time=ts",
            "--field",
            "header.X-API-Key=api_key",
            "--json",
            "-");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.json().getJsonObject("log").getString("format")).isEqualTo("json");
    assertThat(r.policy().getLong("denied")).isEqualTo(1); // alice's 4th; bob is under
    assertThat(r.policy().getLong("identitiesLimited")).isEqualTo(1);
  }

  @Test
  void envoyLog_isReadWithTheClientFromXForwardedFor() throws IOException {
    Path log = TrafficLog.write(dir.resolve("envoy.log"), knownTraffic().envoy());

    Run r = Run.of("-c", perIp("10/minute").toString(), "--log", log.toString(), "--json", "-");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.json().getJsonObject("log").getString("format")).isEqualTo("envoy");
    assertThat(r.policy().getLong("requests")).isEqualTo(541);
    assertThat(r.policy().getLong("denied")).isEqualTo(1);
  }

  @Test
  void gzipLog_isReadAsItIs() throws IOException {
    Path log = TrafficLog.gzip(dir.resolve("access.log.gz"), knownTraffic().combined());

    Run r = Run.of("-c", perIp("10/minute").toString(), "--log", log.toString(), "--json", "-");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.policy().getLong("requests")).isEqualTo(541);
    assertThat(r.policy().getLong("denied")).isEqualTo(1);
  }

  @Test
  void malformedLines_areCountedAndShownByNumber_andStopOnlyAStrictReplay() throws IOException {
    List<String> lines = new ArrayList<>(new TrafficLog().get(1, "203.0.113.1", 3).combined());
    lines.add(1, "this is not a log line");
    lines.add("203.0.113.1 - - [32/Jan/2030:12:00:01 +0000] \"GET /search HTTP/1.1\" 200 1");
    lines.add("");
    Path log = TrafficLog.write(dir.resolve("access.log"), lines);
    Path p = perIp("10/minute");

    Run r = Run.of("-c", p.toString(), "--log", log.toString(), "--json", "-");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonObject l = r.json().getJsonObject("log");
    assertThat(l.getLong("malformed")).isEqualTo(2);
    assertThat(l.getJsonArray("malformedExamples").getString(0)).startsWith("line 2: ");
    assertThat(l.getJsonArray("malformedExamples").getString(1))
        .isEqualTo("line 5: the time 32/Jan/2030:12:00:01 +0000 does not exist");
    assertThat(r.policy().getLong("requests")).isEqualTo(3);

    Run strict = Run.of("-c", p.toString(), "--log", log.toString(), "--strict");
    assertThat(strict.exit()).isEqualTo(2);
    assertThat(strict.err()).contains("access.log: line 2: ").contains("(--strict)");
  }

  @Test
  void outOfOrderLines_withinTheWindowAreReplayedInOrder_laterOnesAreReported() throws IOException {
    TrafficLog t = new TrafficLog();
    t.get(10, "203.0.113.1", 1);
    t.get(8, "203.0.113.1", 1); // 2 s early: within the 5 s window
    t.get(20, "203.0.113.1", 1);
    t.get(30, "203.0.113.1", 1);
    t.get(12, "203.0.113.1", 1); // 18 s early: beyond it
    Path log = TrafficLog.write(dir.resolve("access.log"), t.combined());

    Run r = Run.of("-c", perIp("10/minute").toString(), "--log", log.toString(), "--json", "-");

    assertThat(r.exit()).as(r.err()).isZero();
    JsonObject l = r.json().getJsonObject("log");
    assertThat(l.getLong("reordered")).isEqualTo(1);
    assertThat(l.getLong("late")).isEqualTo(1);
    assertThat(l.getJsonArray("lateExamples").getString(0))
        .isEqualTo("line 5: 8.000 s before a request already replayed");
    assertThat(l.getString("first")).isEqualTo("2030-01-01T12:00:08Z");
    assertThat(r.policy().getLong("requests")).isEqualTo(5);
  }

  @Test
  void aRuleKeyedOnWhatTheLogLacks_isReportedNotEvaluable_neverGuessed() throws IOException {
    Path p =
        policy(
            "body.yaml",
            """
            key: ip
            rules:
              - name: magic-link
                route: POST /auth/magic-link
                key: body:email | email
                limits: 1/hour
              - name: search
                route: GET /search
                key: [header:X-API-Key, ip]
                limits: 100/minute
            """);
    TrafficLog t = new TrafficLog().get(1, "203.0.113.1", 2);
    t.at(2, "203.0.113.1", 5, "POST", "/auth/magic-link");
    Path log = TrafficLog.write(dir.resolve("access.log"), t.combined());

    Run r = Run.of("-c", p.toString(), "--log", log.toString(), "--json", "-");

    assertThat(r.exit()).as(r.err()).isZero();
    JsonObject ne = r.policy().getJsonArray("notEvaluable").getJsonObject(0);
    assertThat(ne.getString("rule")).isEqualTo("magic-link");
    assertThat(ne.getString("why")).contains("request body");
    assertThat(r.policy().getLong("denied")).isZero();
    assertThat(r.policy().getLong("unlimited")).isEqualTo(5); // not counted by a guessed key
    assertThat(r.rule("search").getString("approximate"))
        .contains("X-API-Key header")
        .contains("counted by client IP");
    Run text = Run.of("-c", p.toString(), "--log", log.toString());
    assertThat(text.out()).contains("Not evaluable (magic-link): the log has no request body");
  }

  @Test
  void aBadPolicy_getsTheLocatedErrorOfCheck_andExitsTwo() throws IOException {
    Path p = policy("bad.yaml", "key: ip\nglobal:\n  limits: 10/fortnight\n");
    Path log = TrafficLog.write(dir.resolve("access.log"), new TrafficLog().combined());

    Run r = Run.of("-c", p.toString(), "--log", log.toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("bad.yaml:3:").contains("    3 |   limits: 10/fortnight");
    assertThat(r.err()).doesNotContain("Exception");
  }

  @Test
  void aMissingLogOrABadOption_isOneLineAndExitTwo() throws IOException {
    Path p = perIp("10/minute");
    Run missing = Run.of("-c", p.toString(), "--log", dir.resolve("nope.log").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err())
        .isEqualTo(
            "sluice simulate: "
                + dir.resolve("nope.log")
                + ": no such file"
                + System.lineSeparator());

    Path log = TrafficLog.write(dir.resolve("access.log"), new TrafficLog().combined());
    Run gate = Run.of("-c", p.toString(), "--log", log.toString(), "--fail-if-denied-over", "lots");
    assertThat(gate.exit()).isEqualTo(2);
    assertThat(gate.err()).contains("a percentage from 0% to 100%");
  }

  @Test
  void htmlReport_isOneSelfContainedFileWithChartsAndTables() throws IOException {
    Path log = TrafficLog.write(dir.resolve("access.log"), knownTraffic().combined());
    Path html = dir.resolve("report.html");

    Run r =
        Run.of(
            "-c",
            perIp("5/minute").toString(),
            "--against",
            perIp("10/minute").toString(),
            "--log",
            log.toString(),
            "--report",
            html.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    String page = Files.readString(html);
    assertThat(page).startsWith("<!DOCTYPE html>");
    assertThat(page).doesNotContain("<script").doesNotContain("src=\"http").doesNotContain("href=");
    assertThat(page).contains("<div class=\"chart\" data-rule=\"search\">");
    assertThat(page).contains("<svg id=\"top-chart\"");
    assertThat(page).contains("<table id=\"rules\">").contains("<table id=\"diff\">");
    assertThat(page).contains("id=\"sum-denied\">21<");
  }
}
