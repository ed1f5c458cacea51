package dev.sluice.server.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The path a request is matched by: its request-target's path put in one canonical form, so that
 * spelling a path differently cannot slip past a rule that the upstream would still serve.
 *
 * <p>RFC 3986 normalisation, conservatively: percent-encoded unreserved characters are decoded
 * ({@code %61} is {@code a}), other percent-encodings are upper-cased but kept ({@code %2f} stays
 * an encoded slash, not a separator), empty segments are dropped ({@code //}), and dot segments are
 * resolved ({@code /a/./b/../c} is {@code /a/c}). The request itself is forwarded exactly as
 * received. A path that cannot be a valid origin-form target (not starting with {@code /}, a broken
 * percent-encoding, control characters or spaces, or {@code ..} above the root) is refused with
 * 400, and so is one whose percent-encoded bytes are not UTF-8: an upstream that decodes leniently
 * could read an overlong {@code %C0%AF} as a {@code /} the rules never saw.
 */
final class RequestPath {
  private RequestPath() {}

  /** The canonical form of {@code raw} (a path without query), or {@code null} if invalid. */
  static String canonical(String raw) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
      return null;
    }
    StringBuilder out = new StringBuilder(raw.length());
    int segmentStart = 0; // in out, after the '/' that opened the current segment
    int i = 0;
    int n = raw.length();
    boolean nonAscii = false;
    while (i < n) {
      char c = raw.charAt(i);
      if (c == '/') {
        if (!closeSegment(out, segmentStart)) {
          return null;
        }
        if (out.length() == 0 || out.charAt(out.length() - 1) != '/') {
          out.append('/');
        }
        segmentStart = out.length();
        i++;
        continue;
      }
      if (c <= ' ' || c >= 0x7f) {
        return null;
      }
      if (c == '%') {
        if (i + 2 >= n) {
          return null;
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        char decoded = (char) (hi * 16 + lo);
        nonAscii |= decoded >= 0x80;
        if (unreserved(decoded)) {
          out.append(decoded);
        } else {
          out.append('%')
              .append(Character.toUpperCase(raw.charAt(i + 1)))
              .append(Character.toUpperCase(raw.charAt(i + 2)));
        }
        i += 3;
        continue;
      }
      out.append(c);
      i++;
    }
    if (!closeSegment(out, segmentStart) || (nonAscii && !percentDecodesToUtf8(raw))) {
      return null;
    }
    return out.length() == 0 ? "/" : out.toString();
  }

  /**
   * Whether every {@code %XX} of {@code raw} is well formed, so that a query can be decoded without
   * failing ({@code +} and bytes that are not UTF-8 decode leniently; only a broken escape throws).
   */
  static boolean validQuery(String raw) {
    for (int i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 1)) {
      if (i + 2 >= raw.length()
          || Character.digit(raw.charAt(i + 1), 16) < 0
          || Character.digit(raw.charAt(i + 2), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code raw} (ASCII, escapes already checked) percent-decodes to strict UTF-8. */
  private static boolean percentDecodesToUtf8(String raw) {
    byte[] bytes = new byte[raw.length()];
    int len = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        c =
            (char)
                (Character.digit(raw.charAt(i + 1), 16) * 16
                    + Character.digit(raw.charAt(i + 2), 16));
        i += 2;
      }
      bytes[len++] = (byte) c;
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, 0, len));
      return true;
    } catch (CharacterCodingException e) {
      return false; // overlong forms, surrogates, truncated or stray continuation bytes
    }
  }

  /**
   * Resolves the segment {@code out[from..]} if it is a dot segment: {@code .} is removed and
   * {@code ..} removes itself and the segment before it. {@code false} for {@code ..} at the root.
   */
  private static boolean closeSegment(StringBuilder out, int from) {
    int len = out.length() - from;
    if (len == 1 && out.charAt(from) == '.') {
      out.setLength(from);
    } else if (len == 2 && out.charAt(from) == '.' && out.charAt(from + 1) == '.') {
      if (from <= 1) {
        return false;
      }
      int prev = out.lastIndexOf("/", from - 2);
      out.setLength(prev + 1);
    }
    return true;
  }

  private static boolean unreserved(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }
}
