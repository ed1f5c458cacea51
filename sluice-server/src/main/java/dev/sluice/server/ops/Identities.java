package dev.sluice.server.ops;

import dev.sluice.core.Sluice;
import dev.sluice.overrides.OverrideBook;
import dev.sluice.overrides.OverrideException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * How the admin API names an identity: the raw value (an API key, token, e-mail or address), hashed
 * on arrival and never kept, or its fingerprint as {@code fp:} and 16 hex digits.
 */
final class Identities {
  private Identities() {}

  /**
   * The fingerprint {@code text} names.
   *
   * @throws BadInput naming {@code field} if it is empty
   */
  static long fingerprint(String text, Sluice engine, String field) {
    try {
      return OverrideBook.fingerprint(text, engine);
    } catch (OverrideException e) {
      throw new BadInput(field, e.getMessage());
    }
  }

  /**
   * The first value of query parameter {@code name} in {@code rawQuery}, form-decoded ({@code +} is
   * a space, escapes are UTF-8), or {@code null}. Strict where a framework's decoding is lenient:
   * an identity whose escapes are not UTF-8 would be hashed with replacement chars and name nobody,
   * so it is refused as the overrides path refuses it.
   *
   * @throws BadInput naming the parameter if the escapes or the UTF-8 are broken
   */
  static String queryValue(String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (decodeSegment(key.replace('+', ' '), name).equals(name)) {
        return eq < 0 ? "" : decodeSegment(pair.substring(eq + 1).replace('+', ' '), name);
      }
    }
    return null;
  }

  /**
   * Decodes one percent-encoded path segment as UTF-8 ({@code +} stays a plus).
   *
   * @throws BadInput naming {@code field} if the escapes or the UTF-8 are broken
   */
  static String decodeSegment(String raw, String field) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
        if (lo < 0) {
          throw new BadInput(field, "broken percent-encoding in '" + raw + "'");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BadInput(field, "the identity is not UTF-8 once decoded");
    }
  }
}
