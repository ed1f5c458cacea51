package dev.sluice.client;

import java.net.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds {@link HttpHeaders} for parser tests: {@code Headers.of("Retry-After", "120", ...)}. */
final class Headers {
  private Headers() {}

  static HttpHeaders of(String... namesAndValues) {
    Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 0; i < namesAndValues.length; i += 2) {
      map.computeIfAbsent(namesAndValues[i], k -> new ArrayList<>()).add(namesAndValues[i + 1]);
    }
    return HttpHeaders.of(map, (n, v) -> true);
  }
}
