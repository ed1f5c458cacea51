package dev.sluice.server.simulate;

import dev.sluice.core.RequestView;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * One request read from an access log: what the engine may read of it, and when it was made. A log
 * carries no body, so {@link #bodyField} is always absent (the replay reports rules keyed on the
 * body as not evaluable instead of running them).
 */
final class LogLine implements RequestView {
  final long number;
  final long timeMicros;
  private final String method;
  private final String path;
  private final String query;
  private final String client;
  private final Map<String, String> headers; // lower-case names

  /**
   * @param target the request target as logged: path, and query string after a {@code ?}
   * @param headers by lower-case name; absent headers are absent from the map
   */
  LogLine(
      long number,
      long timeMicros,
      String method,
      String target,
      String client,
      Map<String, String> headers) {
    this.number = number;
    this.timeMicros = timeMicros;
    this.method = method;
    int q = target.indexOf('?');
    this.path = q < 0 ? target : target.substring(0, q);
    this.query = q < 0 ? null : target.substring(q + 1);
    this.client = client;
    this.headers = headers;
  }

  private LogLine(LogLine l, long timeMicros) {
    this.number = l.number;
    this.timeMicros = timeMicros;
    this.method = l.method;
    this.path = l.path;
    this.query = l.query;
    this.client = l.client;
    this.headers = l.headers;
  }

  /** This request, made at {@code micros} instead (a late line replayed at the replay's time). */
  LogLine at(long micros) {
    return new LogLine(this, micros);
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String header(String name) {
    return headers.isEmpty() ? null : headers.get(name.toLowerCase(Locale.ROOT));
  }

  @Override
  public String clientAddress() {
    return client;
  }

  @Override
  public String queryParameter(String name) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      if (decode(k).equals(name)) {
        return eq < 0 ? "" : decode(pair.substring(eq + 1));
      }
    }
    return null;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) { // a bad escape: the text as logged
      return s;
    }
  }

  @Override
  public String bodyField(String path) {
    return null;
  }
}
