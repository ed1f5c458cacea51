package dev.sluice.server.simulate;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/** Writes generated access logs with known traffic, in each format the replay reads. */
final class TrafficLog {
  static final Instant START = Instant.parse("2030-01-01T12:00:00Z");
  private static final DateTimeFormatter CLF =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

  record Hit(long millis, String client, String method, String target, String apiKey) {}

  final List<Hit> hits = new ArrayList<>();

  /** {@code n} requests by {@code client} at {@code second} (plus {@code millis}) after START. */
  TrafficLog at(double second, String client, int n, String method, String target) {
    for (int i = 0; i < n; i++) {
      hits.add(new Hit(Math.round(second * 1000), client, method, target, null));
    }
    return this;
  }

  TrafficLog get(double second, String client, int n) {
    return at(second, client, n, "GET", "/search?q=x");
  }

  TrafficLog keyed(double second, String client, String apiKey, int n) {
    for (int i = 0; i < n; i++) {
      hits.add(new Hit(Math.round(second * 1000), client, "GET", "/search", apiKey));
    }
    return this;
  }

  /** The same traffic in time order (a stable sort: equal times keep their order). */
  TrafficLog sorted() {
    hits.sort(java.util.Comparator.comparingLong(Hit::millis));
    return this;
  }

  List<String> combined() {
    List<String> out = new ArrayList<>();
    for (Hit h : hits) {
      out.add(
          h.client()
              + " - - ["
              + CLF.format(START.plusMillis(h.millis()))
              + "] \""
              + h.method()
              + " "
              + h.target()
              + " HTTP/1.1\" 200 512 \"-\" \"curl/8.5.0\" 0.003");
    }
    return out;
  }

  List<String> json() {
    List<String> out = new ArrayList<>();
    for (Hit h : hits) {
      out.add(
          "{\"ts\":\""
              + START.plusMillis(h.millis())
              + "\",\"method\":\""
              + h.method()
              + "\",\"path\":\""
              + h.target()
              + "\",\"client\":\""
              + h.client()
              + "\""
              + (h.apiKey() == null ? "" : ",\"api_key\":\"" + h.apiKey() + "\"")
              + ",\"status\":200}");
    }
    return out;
  }

  List<String> envoy() {
    List<String> out = new ArrayList<>();
    for (Hit h : hits) {
      out.add(
          "["
              + START.plusMillis(h.millis())
              + "] \""
              + h.method()
              + " "
              + h.target()
              + " HTTP/1.1\" 200 - 0 512 3 2 \""
              + h.client()
              + "\" \"curl/8.5.0\" \"req-1\" \"api.example\" \"10.0.0.5:8080\"");
    }
    return out;
  }

  static Path write(Path file, List<String> lines) throws IOException {
    Files.write(file, lines, StandardCharsets.UTF_8);
    return file;
  }

  static Path gzip(Path file, List<String> lines) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }
}
