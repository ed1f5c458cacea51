package dev.sluice.server.simulate;

import java.util.HashMap;
import java.util.Map;

/**
 * Envoy's default access log format:
 *
 * <pre>
 * [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 * %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 * "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%"
 * "%UPSTREAM_HOST%"
 * </pre>
 *
 * It has no client address of its own: the client is the left-most address of {@code
 * X-Forwarded-For}, and unknown when that is absent. Headers recorded: {@code X-Forwarded-For},
 * {@code User-Agent}, {@code X-Request-Id} and {@code Host} (the authority).
 */
final class EnvoyFormat implements LogFormat {
  private static final String[] HEADERS = {"x-forwarded-for", "user-agent", "x-request-id", "host"};

  @Override
  public String name() {
    return "envoy";
  }

  @Override
  public boolean hasHeader(String name) {
    String n = LogFormat.lower(name);
    for (String h : HEADERS) {
      if (h.equals(n)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean hasClient() {
    return true; // through X-Forwarded-For, when the proxy in front of Envoy sets it
  }

  @Override
  public LogLine parse(long number, String line) throws Malformed {
    if (!line.startsWith("[")) {
      throw new Malformed("no [start time]");
    }
    int close = line.indexOf(']');
    if (close < 0) {
      throw new Malformed("no [start time]");
    }
    long micros = Timestamps.iso(line.substring(1, close));
    int q = line.indexOf('"', close);
    int reqEnd = q < 0 ? -1 : CombinedFormat.closingQuote(line, q + 1);
    if (reqEnd < 0) {
      throw new Malformed("no quoted request after the time");
    }
    String[] request = line.substring(q + 1, reqEnd).split(" ");
    if (request.length < 2 || request[1].isEmpty()) {
      throw new Malformed("the request is not 'METHOD /path PROTOCOL'");
    }
    String[] quoted = new String[5];
    int at = reqEnd + 1;
    for (int i = 0; i < quoted.length; i++) {
      int open = line.indexOf('"', at);
      int end = open < 0 ? -1 : CombinedFormat.closingQuote(line, open + 1);
      if (end < 0) {
        throw new Malformed("expected 5 quoted fields after the response figures, found " + i);
      }
      quoted[i] = line.substring(open + 1, end);
      at = end + 1;
    }
    Map<String, String> headers = new HashMap<>(8);
    for (int i = 0; i < HEADERS.length; i++) {
      if (!quoted[i].equals("-") && !quoted[i].isEmpty()) {
        headers.put(HEADERS[i], quoted[i]);
      }
    }
    String xff = headers.get("x-forwarded-for");
    String client = null;
    if (xff != null) {
      int comma = xff.indexOf(',');
      client = (comma < 0 ? xff : xff.substring(0, comma)).strip();
    }
    return new LogLine(number, micros, request[0], request[1], client, headers);
  }
}
