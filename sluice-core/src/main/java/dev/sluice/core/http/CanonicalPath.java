package dev.sluice.core.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The one form a request path is matched in, whoever hands it to the engine (the gateway, the
 * decision API, an embedder): spellings that a server would likely route to the same handler map to
 * the same canonical path, and spellings that servers disagree about are refused ({@link
 * InvalidRequestException}, code {@code BAD_PATH}), so that no variant of a limited path is let
 * through uncounted. Treatments, in order, per segment:
 *
 * <ol>
 *   <li><b>Path parameters</b> ({@code ;...} in a segment, RFC 3986 section 3.3) are removed, as
 *       Tomcat and Spring remove them before routing: {@code /a;x=1/b;} is {@code /a/b}, and {@code
 *       /..;/} is a dot segment.
 *   <li><b>Percent-encoding</b>: an escape of an unreserved character is decoded ({@code %2D} is
 *       {@code -}); any other escape is kept, hex upper-cased ({@code %c3%a9} is {@code %C3%A9}).
 *       Escaped bytes must form UTF-8.
 *   <li><b>Edges of a segment</b>: leading and trailing spaces ({@code %20}) and trailing dots are
 *       removed ({@code magic-link.} and {@code magic-link%20} are {@code magic-link}), as some
 *       servers (Windows, IIS, trimming frameworks) do.
 *   <li><b>Dot segments</b> {@code .} and {@code ..} are resolved; {@code ..} above the root is
 *       refused.
 *   <li><b>Empty segments</b> ({@code //}) are dropped. A trailing slash is kept (route matching
 *       ignores it).
 *   <li><b>Case</b>, with {@code foldCase} (the policy's {@code paths: case-insensitive}): ASCII
 *       letters are lower-cased.
 * </ol>
 *
 * Refused: a path not starting with {@code /}; a raw space, control character, DEL, non-ASCII
 * character, {@code \}, {@code #} or {@code ?}; a broken escape; an escaped control character
 * ({@code %00}-{@code %1F}, {@code %7F}), slash ({@code %2F}), backslash ({@code %5C}), semicolon
 * ({@code %3B}) or {@code #} ({@code %23}): servers disagree on whether each separates segments,
 * starts parameters or ends the path. The request itself is forwarded as received: the canonical
 * form is only what it is counted by.
 *
 * <p>An already-canonical path (nearly every one) is returned as the same {@code String} after one
 * scan, allocating nothing.
 */
public final class CanonicalPath {
  private CanonicalPath() {}

  /** {@link #of(String, boolean)}, case kept. */
  public static String of(String raw) {
    return of(raw, false);
  }

  /**
   * The canonical form of {@code raw} (a path without query string).
   *
   * @param foldCase whether ASCII letters are lower-cased (case-insensitive matching)
   * @throws InvalidRequestException ({@code BAD_PATH}) if the path has no canonical form
   */
  public static String of(String raw, boolean foldCase) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
      throw bad(
          "the path must be an absolute path starting with '/', such as /users/42"
              + (raw == null ? "" : ", got '" + Texts.shorten(raw) + "'"));
    }
    if (isCanonical(raw, foldCase)) {
      return raw;
    }
    return rewrite(raw, foldCase);
  }

  /** Whether {@code raw} is its own canonical form: the allocation-free fast path. */
  private static boolean isCanonical(String raw, boolean foldCase) {
    int n = raw.length();
    int segStart = 1;
    for (int i = 1; i <= n; i++) {
      char c = i < n ? raw.charAt(i) : '/';
      if (c == '/') {
        if (i == segStart) {
          if (i != n) {
            return false; // an empty segment ('//'); a trailing slash is fine
          }
        } else if (raw.charAt(i - 1) == '.') {
          return false; // '.', '..', or a trailing dot
        }
        segStart = i + 1;
      } else if (c == '%') {
        if (i + 2 >= n) {
          return false;
        }
        int hi = upperHex(raw.charAt(i + 1));
        int lo = upperHex(raw.charAt(i + 2));
        if (hi < 0 || lo < 0 || !keptEncoded((char) (hi * 16 + lo))) {
          return false;
        }
        i += 2;
      } else if (c >= 0x80 || !PLAIN[c] || (foldCase && c >= 'A' && c <= 'Z')) {
        return false;
      }
    }
    return true;
  }

  private static String rewrite(String raw, boolean foldCase) {
    int n = raw.length();
    StringBuilder out = new StringBuilder(n).append('/'); // always ends with '/' between segments
    boolean nonAscii = false;
    boolean lastKept = false;
    int i = 1;
    while (i <= n) {
      int segEnd = raw.indexOf('/', i);
      if (segEnd < 0) {
        segEnd = n;
      }
      int params = raw.indexOf(';', i);
      int nameEnd = params >= 0 && params < segEnd ? params : segEnd;
      int from = out.length();
      for (int j = i; j < segEnd; ) {
        boolean emit = j < nameEnd;
        char c = raw.charAt(j);
        if (c == '%') {
          if (j + 2 >= n) {
            throw bad("the path has a broken %-encoding (a % not followed by two hex digits)");
          }
          int hi = Character.digit(raw.charAt(j + 1), 16);
          int lo = Character.digit(raw.charAt(j + 2), 16);
          if (hi < 0 || lo < 0) {
            throw bad("the path has a broken %-encoding (a % not followed by two hex digits)");
          }
          char decoded = (char) (hi * 16 + lo);
          refuseEncoded(decoded, raw.substring(j, j + 3));
          nonAscii |= decoded >= 0x80;
          if (emit) {
            if (unreserved(decoded)) {
              out.append(foldCase ? lower(decoded) : decoded);
            } else {
              out.append('%').append(HEX[hi]).append(HEX[lo]);
            }
          }
          j += 3;
          continue;
        }
        refuseRaw(c);
        if (emit && c != ';') {
          out.append(foldCase ? lower(c) : c);
        }
        j++;
      }
      lastKept = closeSegment(out, from);
      i = segEnd + 1;
    }
    if (nonAscii && !percentDecodesToUtf8(raw)) {
      throw bad(
          "the path's %-encoded bytes are not UTF-8 (an overlong or truncated sequence could be"
              + " read as another character)");
    }
    if (lastKept) {
      out.setLength(out.length() - 1); // no trailing slash was written
    }
    return out.toString();
  }

  /**
   * Trims the segment {@code out[from..]} and resolves it: kept (with a '/' after it, returning
   * {@code true}), dropped (empty, {@code .}), or taking the one before it away ({@code ..}).
   */
  private static boolean closeSegment(StringBuilder out, int from) {
    while (out.length() - from >= 3 && isSpace(out, from)) {
      out.delete(from, from + 3);
    }
    while (out.length() - from >= 3 && isSpace(out, out.length() - 3)) {
      out.setLength(out.length() - 3);
    }
    int len = out.length() - from;
    boolean dot = len == 1 && out.charAt(from) == '.';
    boolean dotDot = len == 2 && out.charAt(from) == '.' && out.charAt(from + 1) == '.';
    if (dotDot) {
      if (from <= 1) {
        throw bad("the path's '..' segments climb above the root");
      }
      out.setLength(out.lastIndexOf("/", from - 2) + 1);
      return false;
    }
    if (!dot) { // trailing dots and spaces, in any mix: 'a. .' is 'a'
      boolean trimmed = true;
      while (trimmed) {
        trimmed = false;
        if (out.length() > from && out.charAt(out.length() - 1) == '.') {
          out.setLength(out.length() - 1);
          trimmed = true;
        } else if (out.length() - from >= 3 && isSpace(out, out.length() - 3)) {
          out.setLength(out.length() - 3);
          trimmed = true;
        }
      }
    }
    if (dot || out.length() == from) {
      out.setLength(from);
      return false;
    }
    out.append('/');
    return true;
  }

  private static boolean isSpace(StringBuilder out, int at) {
    return out.charAt(at) == '%' && out.charAt(at + 1) == '2' && out.charAt(at + 2) == '0';
  }

  private static void refuseRaw(char c) {
    if (c < 0x20 || c == 0x7f) {
      throw bad("the path holds a control character (U+" + hex4(c) + ")");
    }
    if (c == ' ') {
      throw bad("the path holds a space; write it %20");
    }
    if (c >= 0x80) {
      throw bad("the path holds a non-ASCII character; percent-encode its UTF-8 bytes");
    }
    if (c == '\\') {
      throw bad("the path holds a backslash, which some servers read as '/'");
    }
    if (c == '#' || c == '?') {
      throw bad("the path holds '" + c + "', which cannot be part of a request path");
    }
  }

  private static void refuseEncoded(char decoded, String escape) {
    if (decoded < 0x20 || decoded == 0x7f) {
      throw bad("the path holds an encoded control character (" + escape + ")");
    }
    String what =
        switch (decoded) {
          case '/' -> "an encoded slash (" + escape + "), which some servers read as '/'";
          case '\\' -> "an encoded backslash (" + escape + "), which some servers read as '/'";
          case ';' ->
              "an encoded semicolon ("
                  + escape
                  + "), which some servers read as the start of path parameters";
          case '#' -> "an encoded '#' (" + escape + "), which some servers read as a fragment";
          default -> null;
        };
    if (what != null) {
      throw bad("the path holds " + what);
    }
  }

  /** Whether the escape of {@code c} stays an escape in canonical form (and is not %20). */
  private static boolean keptEncoded(char c) {
    return c > 0x20 && c < 0x7f && !unreserved(c) && c != '/' && c != '\\' && c != ';' && c != '#';
  }

  private static InvalidRequestException bad(String message) {
    return new InvalidRequestException(InvalidRequestException.BAD_PATH, message);
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

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /** Characters that stand for themselves in a canonical path (besides '/' and escapes). */
  private static final boolean[] PLAIN = new boolean[128];

  static {
    for (char c = 0x21; c < 0x7f; c++) {
      PLAIN[c] = c != '%' && c != ';' && c != '\\' && c != '#' && c != '?' && c != '/';
    }
  }

  private static int upperHex(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }

  private static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
  }

  private static String hex4(char c) {
    return String.format("%04X", (int) c);
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
