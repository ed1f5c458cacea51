package dev.sluice.server.simulate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One JSON object a line. Which field holds what is configurable ({@code --field time=ts}); the
 * defaults are {@code time}, {@code method}, {@code path} (query string included), {@code client},
 * and {@code headers}, an object of header name to value. {@code header.NAME=FIELD} reads header
 * NAME from a top-level field. The time is ISO-8601 text with an offset, or a number of seconds
 * (milliseconds, microseconds) since the epoch.
 *
 * <p>Such a log is taken to record every header it carries in its {@code headers} object: a header
 * absent from a line was not sent.
 */
final class JsonLinesFormat implements LogFormat {
  /** The fields one may rename, with their default names. */
  static final Map<String, String> DEFAULTS =
      Map.of(
          "time", "time", "method", "method", "path", "path", "client", "client", "headers",
          "headers");

  private final JsonFactory json =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private final String time;
  private final String method;
  private final String path;
  private final String client;
  private final String headers;
  private final Map<String, String> headerFields; // field name -> lower-case header name

  /**
   * @param fields overrides of {@link #DEFAULTS}, and {@code header.NAME} for header fields
   * @throws IllegalArgumentException for a name that is neither
   */
  JsonLinesFormat(Map<String, String> fields) {
    Map<String, String> f = new HashMap<>(DEFAULTS);
    Map<String, String> hf = new HashMap<>();
    fields.forEach(
        (k, v) -> {
          if (k.toLowerCase(Locale.ROOT).startsWith("header.") && k.length() > 7) {
            hf.put(v, LogFormat.lower(k.substring(7)));
          } else if (DEFAULTS.containsKey(k)) {
            f.put(k, v);
          } else {
            throw new IllegalArgumentException(
                "--field "
                    + k
                    + "=...: the fields are time, method, path, client, headers and"
                    + " header.NAME");
          }
        });
    this.time = f.get("time");
    this.method = f.get("method");
    this.path = f.get("path");
    this.client = f.get("client");
    this.headers = f.get("headers");
    this.headerFields = Map.copyOf(hf);
  }

  @Override
  public String name() {
    return "json";
  }

  @Override
  public boolean hasHeader(String name) {
    return true; // every header the log has is in its headers object or a mapped field
  }

  @Override
  public LogLine parse(long number, String line) throws Malformed {
    Long micros = null;
    String m = null;
    String p = null;
    String c = null;
    Map<String, String> h = new HashMap<>(8);
    try (JsonParser in = json.createParser(line)) {
      if (in.nextToken() != JsonToken.START_OBJECT) {
        throw new Malformed("not a JSON object");
      }
      JsonToken t;
      while ((t = in.nextToken()) == JsonToken.FIELD_NAME) {
        String name = in.currentName();
        JsonToken v = in.nextToken();
        if (name.equals(time)) {
          micros = timeOf(in, v);
        } else if (name.equals(method)) {
          m = text(in, v, name);
        } else if (name.equals(path)) {
          p = text(in, v, name);
        } else if (name.equals(client)) {
          c = v == JsonToken.VALUE_NULL ? null : text(in, v, name);
        } else if (name.equals(headers) && v == JsonToken.START_OBJECT) {
          while (in.nextToken() == JsonToken.FIELD_NAME) {
            String header = LogFormat.lower(in.currentName());
            JsonToken hv = in.nextToken();
            if (hv.isScalarValue() && hv != JsonToken.VALUE_NULL) {
              h.putIfAbsent(header, in.getText());
            } else {
              in.skipChildren();
            }
          }
        } else if (headerFields.containsKey(name)) {
          if (v.isScalarValue() && v != JsonToken.VALUE_NULL) {
            h.put(headerFields.get(name), in.getText());
          } else {
            in.skipChildren();
          }
        } else {
          in.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || in.nextToken() != null) {
        throw new Malformed("not one JSON object");
      }
    } catch (IOException e) {
      throw new Malformed("not JSON: " + firstLine(e.getMessage()));
    }
    if (micros == null) {
      throw new Malformed("no '" + time + "' field");
    }
    if (m == null || m.isEmpty()) {
      throw new Malformed("no '" + method + "' field");
    }
    if (p == null || p.isEmpty()) {
      throw new Malformed("no '" + path + "' field");
    }
    return new LogLine(number, micros, m, p, c == null || c.isEmpty() ? null : c, h);
  }

  private static long timeOf(JsonParser in, JsonToken v) throws IOException, Malformed {
    if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
      return Timestamps.epoch(in.getDoubleValue());
    }
    if (v == JsonToken.VALUE_STRING) {
      return Timestamps.iso(in.getText());
    }
    throw new Malformed("the time is neither text nor a number");
  }

  private static String text(JsonParser in, JsonToken v, String name)
      throws Malformed, IOException {
    if (v != JsonToken.VALUE_STRING) {
      throw new Malformed("'" + name + "' is not text");
    }
    return in.getText();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
