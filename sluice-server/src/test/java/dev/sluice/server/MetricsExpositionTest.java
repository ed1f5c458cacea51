package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve} as a process, scraped as Prometheus scrapes it: every series of the table in
 * docs/gateway.md ("Metrics") is there at the first scrape, at zero, with the labels the table
 * names; the histograms have their buckets; the process metrics have the Prometheus client's names;
 * and no identity reaches a label.
 */
class MetricsExpositionTest {
  private static final Pattern ROW =
      Pattern.compile("^\\| `([a-z_]+)` \\| (counter|gauge|histogram) \\|([^|]*)\\|");
  private static final String SECRET = "sk-live-51HxQmetricsSecretKey";

  @TempDir static Path dir;
  private static ServeProcess serve;
  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static Exposition first;

  @BeforeAll
  static void start() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        """
        key: header:X-Api-Key
        global:
          limits: 1000/minute
        rules:
          - name: search
            route: GET /search
            limits: 10/minute
          - name: search-v2
            route: GET /search
            limits: 3/minute
            shadow: true
        """);
    serve =
        new ServeProcess(
            Map.of(),
            "-c",
            policy.toString(),
            "--demo",
            "--port",
            "0",
            "--admin-port",
            "0",
            "--state-dir",
            dir.resolve("state").toString());
    first = Exposition.parse(scrape());
  }

  @AfterAll
  static void stop() {
    if (serve != null) {
      serve.close();
    }
  }

  private static String scrape() throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serve.adminPort + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** The rows of the docs' table: series name to its type and label names. */
  static Map<String, Documented> documented() throws IOException {
    Path docs = Path.of("..", "docs", "gateway.md");
    if (!Files.exists(docs)) {
      docs = Path.of("docs", "gateway.md");
    }
    Map<String, Documented> rows = new LinkedHashMap<>();
    for (String line : Files.readAllLines(docs)) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        Set<String> labels = new TreeSet<>();
        Matcher l = Pattern.compile("`([a-z_]+)`").matcher(m.group(3));
        while (l.find()) {
          labels.add(l.group(1));
        }
        rows.put(m.group(1), new Documented(m.group(2), labels));
      }
    }
    return rows;
  }

  record Documented(String type, Set<String> labels) {}

  @Test
  void everyDocumentedSeries_isThereAtTheFirstScrape_withItsLabels() throws IOException {
    Map<String, Documented> docs = documented();
    assertThat(docs).hasSizeGreaterThan(25).containsKeys("sluice_requests_total");
    List<String> missing = new ArrayList<>();
    docs.forEach(
        (name, d) -> {
          String sampleName = d.type().equals("histogram") ? name + "_bucket" : name;
          List<Exposition.Sample> samples = first.named(sampleName);
          if (samples.isEmpty()) {
            missing.add(name);
            return;
          }
          for (Exposition.Sample s : samples) {
            Set<String> keys = new TreeSet<>(s.labels().keySet());
            keys.remove("le");
            assertThat(keys).as("the labels of %s", name).isEqualTo(d.labels());
          }
          String base = name.endsWith("_total") ? name.substring(0, name.length() - 6) : name;
          assertThat(first.types.getOrDefault(name, first.types.get(base)))
              .as("the type of %s", name)
              .isEqualTo(d.type());
        });
    assertThat(missing).as("documented series missing from /metrics").isEmpty();
  }

  @Test
  void everySluiceCounter_startsAtZero_forEveryRuleAndValueTheDocsList() throws IOException {
    for (Map.Entry<String, Documented> e : documented().entrySet()) {
      if (e.getValue().type().equals("counter") && e.getKey().startsWith("sluice_")) {
        assertThat(first.named(e.getKey()))
            .as(e.getKey())
            .allSatisfy(s -> assertThat(s.value()).isZero());
      }
    }
    // Per rule and value, not only per name: each rule's decisions by every outcome...
    for (String rule : List.of("search", "global", "none")) {
      for (String outcome :
          List.of(
              "allowed", "denied", "unlimited", "invalid", "unavailable", "allowed_uncounted")) {
        assertThat(first.named("sluice_decisions_total"))
            .anySatisfy(s -> assertThat(s.labels()).containsEntry("rule", rule))
            .anySatisfy(
                s ->
                    assertThat(s.labels())
                        .containsEntry("rule", rule)
                        .containsEntry("outcome", outcome));
      }
      // ... and its requests by each method and class: 8 x 5
      assertThat(
              first.named("sluice_requests_total").stream()
                  .filter(s -> s.labels().get("rule").equals(rule))
                  .count())
          .isEqualTo(40);
    }
    assertThat(first.named("sluice_shadow_denials_total"))
        .singleElement()
        .satisfies(s -> assertThat(s.labels()).containsEntry("rule", "search-v2"));
    assertThat(first.named("sluice_store_errors_total"))
        .extracting(s -> s.labels().get("mode"))
        .containsExactlyInAnyOrder("open", "closed", "local", "table-full");
    assertThat(first.named("sluice_upstream_errors_total"))
        .extracting(s -> s.labels().get("kind"))
        .containsExactlyInAnyOrder("connect", "timeout", "reset");
  }

  @Test
  void theDecisionAndUpstreamTimes_areHistogramsWithTheirBuckets() {
    assertThat(first.types).containsEntry("sluice_decision_seconds", "histogram");
    assertThat(first.types).containsEntry("sluice_upstream_seconds", "histogram");
    assertThat(first.named("sluice_decision_seconds_bucket"))
        .extracting(s -> s.labels().get("le"))
        .containsExactly(
            "2.5E-6", "5.0E-6", "1.0E-5", "2.5E-5", "5.0E-5", "1.0E-4", "2.5E-4", "5.0E-4", "0.001",
            "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "1.0", "+Inf");
    assertThat(first.named("sluice_upstream_seconds_bucket"))
        .extracting(s -> s.labels().get("le"))
        .containsExactly(
            "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0",
            "30.0", "+Inf");
    // no client-side quantiles: they cannot be aggregated across instances
    assertThat(first.samples).noneMatch(s -> s.labels().containsKey("quantile"));
  }

  @Test
  void theProcessMetrics_haveThePrometheusClientsNames_andPlausibleValues() {
    double now = System.currentTimeMillis() / 1000.0;
    assertThat(value("process_start_time_seconds")).isBetween(now - 3600, now);
    assertThat(value("process_open_fds")).isGreaterThan(3);
    assertThat(value("process_max_fds")).isGreaterThan(value("process_open_fds"));
    assertThat(value("process_resident_memory_bytes")).isGreaterThan(16 * 1024 * 1024);
    assertThat(value("process_virtual_memory_bytes"))
        .isGreaterThan(value("process_resident_memory_bytes"));
    assertThat(value("process_cpu_seconds_total")).isPositive();
  }

  private static double value(String name) {
    return first.named(name).get(0).value();
  }

  @Test
  void requests_areCountedByRuleMethodAndClass_andNoKeyReachesALabel() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + serve.proxyPort + "/search?q=" + SECRET))
                  .header("X-Api-Key", SECRET)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
    HttpResponse<String> bad =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + serve.proxyPort + "/a%2Fb?key=" + SECRET))
                .method("PROPFIND", HttpRequest.BodyPublishers.noBody())
                .header("X-Api-Key", SECRET)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    String text = scrape();
    assertThat(text).doesNotContain(SECRET);
    Exposition after = Exposition.parse(text);
    assertThat(count(after, "search", "GET", "2xx")).isEqualTo(3);
    assertThat(count(after, "none", "OTHER", "4xx")).isEqualTo(1);
    assertThat(after.named("sluice_upstream_seconds_count").get(0).value()).isEqualTo(3);
    assertThat(after.named("sluice_decision_seconds_count").get(0).value()).isEqualTo(3);
  }

  private static double count(Exposition e, String rule, String method, String status) {
    return e.named("sluice_requests_total").stream()
        .filter(
            s ->
                s.labels().get("rule").equals(rule)
                    && s.labels().get("method").equals(method)
                    && s.labels().get("status").equals(status))
        .findFirst()
        .orElseThrow()
        .value();
  }
}
