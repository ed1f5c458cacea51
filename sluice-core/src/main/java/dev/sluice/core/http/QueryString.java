package dev.sluice.core.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/** The parameters of a URL's query string, form-decoded as servers read them. */
public final class QueryString {
  private QueryString() {}

  /**
   * Hands each {@code name=value} pair of {@code rawQuery} (the text after {@code ?}, without it)
   * to {@code action}, in order, form-decoded ({@code +} is a space, escapes are UTF-8). A pair
   * without {@code =} has the empty value; empty pairs ({@code a=1&&b=2}) are skipped; repeated
   * names are handed over each time, for the caller to choose which counts.
   *
   * @throws IllegalArgumentException if an escape is malformed ({@code %zz}, a lone {@code %})
   */
  public static void forEach(String rawQuery, BiConsumer<String, String> action) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return;
    }
    int start = 0;
    while (start <= rawQuery.length()) {
      int end = rawQuery.indexOf('&', start);
      if (end < 0) {
        end = rawQuery.length();
      }
      if (end > start) {
        String pair = rawQuery.substring(start, end);
        int eq = pair.indexOf('=');
        action.accept(
            decode(eq < 0 ? pair : pair.substring(0, eq)),
            eq < 0 ? "" : decode(pair.substring(eq + 1)));
      }
      start = end + 1;
    }
  }

  /**
   * Whether {@code rawQuery} can be read by {@link #forEach}: every {@code %} starts a well-formed
   * escape ({@code +} and bytes that are not UTF-8 decode leniently; only a broken escape fails),
   * and there is no {@code #} (a fragment is never part of a request).
   */
  public static boolean isValid(String rawQuery) {
    if (rawQuery == null) {
      return true;
    }
    if (rawQuery.indexOf('#') >= 0) {
      return false;
    }
    for (int i = rawQuery.indexOf('%'); i >= 0; i = rawQuery.indexOf('%', i + 1)) {
      if (i + 2 >= rawQuery.length()
          || Character.digit(rawQuery.charAt(i + 1), 16) < 0
          || Character.digit(rawQuery.charAt(i + 2), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
