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

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
