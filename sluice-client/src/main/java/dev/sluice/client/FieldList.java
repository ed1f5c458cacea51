package dev.sluice.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A tolerant reader of the list fields rate-limit headers use: comma-separated members, each a
 * value followed by {@code ;key=value} parameters, as in the IETF drafts' structured fields ({@code
 * "minute";r=42;t=17, "hour";r=990;t=1800}) and in {@code Cache-Control} ({@code max-age=60,
 * private}). Commas and semicolons inside double quotes do not split.
 *
 * <p>Far more lenient than RFC 8941, on purpose: servers get the syntax wrong, and a reader that
 * rejects a whole field for one stray space would throw away the information a client needs. It
 * never throws; a field longer than {@link #MAX_CHARS} or members beyond {@link #MAX_MEMBERS} are
 * ignored, so a hostile header costs bounded work.
 */
final class FieldList {
  static final int MAX_CHARS = 8192;
  static final int MAX_MEMBERS = 64;

  private FieldList() {}

  /**
   * One member: its value (unquoted; may itself be {@code key=value} in dictionary-style fields)
   * and its parameters, keys lower-cased, a key without a value mapped to {@code ""}.
   */
  record Member(String value, Map<String, String> params) {}

  /** The members of all of {@code lines} (several header lines form one list). */
  static List<Member> parse(List<String> lines) {
    List<Member> out = new ArrayList<>();
    int chars = 0;
    for (String line : lines) {
      chars += line.length();
      if (chars > MAX_CHARS) {
        break;
      }
      for (String member : split(line, ',')) {
        if (out.size() == MAX_MEMBERS) {
          return out;
        }
        List<String> parts = split(member, ';');
        String value = unquote(parts.get(0).strip());
        Map<String, String> params = new HashMap<>();
        for (int i = 1; i < parts.size(); i++) {
          String p = parts.get(i).strip();
          int eq = p.indexOf('=');
          String key = (eq < 0 ? p : p.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
          if (!key.isEmpty()) {
            params.putIfAbsent(key, eq < 0 ? "" : unquote(p.substring(eq + 1).strip()));
          }
        }
        if (!value.isEmpty() || !params.isEmpty()) {
          out.add(new Member(value, params));
        }
      }
    }
    return out;
  }

  /** {@code s} split at {@code sep} where it is not inside double quotes. */
  static List<String> split(String s, char sep) {
    List<String> out = new ArrayList<>();
    boolean quoted = false;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted && c == '\\') {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == sep && !quoted) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }

  /** {@code s} without surrounding double quotes and with its backslash escapes resolved. */
  static String unquote(String s) {
    if (s.length() < 2 || s.charAt(0) != '"' || s.charAt(s.length() - 1) != '"') {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length() - 2);
    for (int i = 1; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length() - 1) {
        c = s.charAt(++i);
      }
      sb.append(c);
    }
    return sb.toString();
  }
}
