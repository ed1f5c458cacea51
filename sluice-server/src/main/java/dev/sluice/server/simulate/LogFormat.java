package dev.sluice.server.simulate;

import java.util.Locale;

/** A kind of access log: how one line becomes a request, and what such a log can tell. */
interface LogFormat {

  /** The format's name as {@code --format} spells it. */
  String name();

  /**
   * The request line {@code number} records.
   *
   * @throws Malformed if the line cannot be read as a request in this format
   */
  LogLine parse(long number, String line) throws Malformed;

  /** Whether the log records header {@code name} (absent from a line then means not sent). */
  boolean hasHeader(String name);

  /** Whether the log records the client's address. */
  default boolean hasClient() {
    return true;
  }

  /**
   * The format a log's first line looks like: JSON lines if it opens with {@code {}, Envoy's if it
   * opens with {@code [}, else combined.
   */
  static String detect(String firstLine) {
    String s = firstLine.strip();
    if (s.startsWith("{")) {
      return "json";
    }
    if (s.startsWith("[")) {
      return "envoy";
    }
    return "combined";
  }

  /** {@code name} lower-cased, for header look-ups. */
  static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
