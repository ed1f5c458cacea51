package dev.sluice.server.simulate;

import java.util.HashMap;
import java.util.Map;

/**
 * nginx's and Apache's {@code combined} log format, and {@code common} (without referrer and user
 * agent); anything after the user agent, such as nginx's {@code $request_time}, is ignored:
 *
 * <pre>
 * 203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.1" 200 2326 "http://r/" "curl/8" 0.004
 * </pre>
 *
 * Of the headers, it records only {@code Referer} and {@code User-Agent}.
 */
final class CombinedFormat implements LogFormat {
  // The same second is written on many consecutive lines: parse it once.
  private String lastTime;
  private long lastMicros;

  @Override
  public String name() {
    return "combined";
  }

  @Override
  public boolean hasHeader(String name) {
    String n = LogFormat.lower(name);
    return n.equals("referer") || n.equals("user-agent");
  }

  @Override
  public LogLine parse(long number, String line) throws Malformed {
    int sp = line.indexOf(' ');
    if (sp <= 0) {
      throw new Malformed("no client address");
    }
    String client = line.substring(0, sp);
    int open = line.indexOf('[', sp);
    int close = open < 0 ? -1 : line.indexOf(']', open);
    if (close < 0) {
      throw new Malformed("no [time]");
    }
    long micros = time(line, open + 1, close);
    int q = close + 1;
    if (q + 1 >= line.length() || line.charAt(q) != ' ' || line.charAt(q + 1) != '"') {
      throw new Malformed("no quoted request after the time");
    }
    int reqEnd = closingQuote(line, q + 2);
    if (reqEnd < 0) {
      throw new Malformed("the request's quote is not closed");
    }
    int m = line.indexOf(' ', q + 2);
    if (m < 0 || m > reqEnd) {
      throw new Malformed("the request is not 'METHOD /path PROTOCOL'");
    }
    int t = line.indexOf(' ', m + 1);
    if (t < 0 || t > reqEnd) {
      t = reqEnd; // HTTP/0.9 style: no protocol
    }
    String method = line.substring(q + 2, m);
    String target = line.substring(m + 1, t);
    if (target.isEmpty()) {
      throw new Malformed("the request has no path");
    }
    Map<String, String> headers = Map.of();
    int referer = line.indexOf('"', reqEnd + 1);
    if (referer >= 0) {
      int refererEnd = closingQuote(line, referer + 1);
      int agent = refererEnd < 0 ? -1 : line.indexOf('"', refererEnd + 1);
      int agentEnd = agent < 0 ? -1 : closingQuote(line, agent + 1);
      if (agentEnd < 0) {
        throw new Malformed("the referrer and user agent are not two quoted fields");
      }
      headers = new HashMap<>(4);
      put(headers, "referer", line.substring(referer + 1, refererEnd));
      put(headers, "user-agent", line.substring(agent + 1, agentEnd));
    }
    return new LogLine(number, micros, method, target, client, headers);
  }

  private long time(String line, int from, int to) throws Malformed {
    String last = lastTime;
    if (last != null && last.length() == to - from && line.startsWith(last, from)) {
      return lastMicros;
    }
    long micros = Timestamps.clf(line, from, to);
    lastTime = line.substring(from, to);
    lastMicros = micros;
    return micros;
  }

  private static void put(Map<String, String> headers, String name, String value) {
    if (!value.equals("-") && !value.isEmpty()) {
      headers.put(name, value);
    }
  }

  /** The index of the quote closing a field that starts at {@code from}; -1 if none. */
  static int closingQuote(String line, int from) {
    for (int i = from; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        return i;
      }
    }
    return -1;
  }
}
