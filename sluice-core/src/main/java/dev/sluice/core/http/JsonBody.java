package dev.sluice.core.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The default reader of a request's JSON body, for {@code body:FIELD} keys and body costs: a strict
 * RFC 8259 parser with no dependencies.
 *
 * <p>A body that is not JSON (malformed, not UTF-8, nested deeper than {@value #MAX_DEPTH}) or
 * whose top level is not an object has no fields: every {@link #field} is {@code null}, and a rule
 * counting per a field of it finds no identity. A body in which an object names the same key twice
 * is refused: {@link #parse} throws {@link InvalidRequestException} ({@code BAD_BODY}). RFC 8259
 * leaves duplicate names to each parser, some read the first and some the last, so a limiter that
 * read one e-mail address while the upstream read another could be walked around.
 */
public final class JsonBody {
  /** How deeply objects and arrays may nest before a body counts as not JSON. */
  public static final int MAX_DEPTH = 500;

  private static final JsonBody NONE = new JsonBody(null);
  private static final Object NULL = new Object();
  private static final Object ARRAY = new Object();

  private final Map<String, Object> root; // String, Map, NULL or ARRAY values; null if none

  private JsonBody(Map<String, Object> root) {
    this.root = root;
  }

  /** A body with no fields (absent, or not a JSON object). */
  public static JsonBody none() {
    return NONE;
  }

  /**
   * Reads {@code utf8} (the body's bytes).
   *
   * @throws InvalidRequestException ({@code BAD_BODY}) if an object of it has a key twice
   */
  public static JsonBody parse(byte[] utf8) {
    if (utf8 == null || utf8.length == 0) {
      return NONE;
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(utf8))
              .toString();
    } catch (CharacterCodingException e) {
      return NONE;
    }
    return parse(text);
  }

  /**
   * Reads {@code text}.
   *
   * @throws InvalidRequestException ({@code BAD_BODY}) if an object of it has a key twice
   */
  public static JsonBody parse(String text) {
    if (text == null || text.isEmpty()) {
      return NONE;
    }
    Parser p = new Parser(text);
    try {
      p.skipSpace();
      Object v = p.value(0, "");
      p.skipSpace();
      if (p.pos != text.length() || !(v instanceof Map)) {
        return NONE;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> root = (Map<String, Object>) v;
      return new JsonBody(root);
    } catch (NotJson e) {
      return NONE;
    }
  }

  /**
   * The scalar at dotted {@code path} ({@code user.email}), as text: a string unquoted, a number or
   * boolean as written; {@code null} if absent, {@code null}, an object or an array.
   */
  public String field(String path) {
    Object node = root;
    int from = 0;
    while (true) {
      if (!(node instanceof Map<?, ?> m)) {
        return null;
      }
      int dot = path.indexOf('.', from);
      node = m.get(dot < 0 ? path.substring(from) : path.substring(from, dot));
      if (dot < 0) {
        break;
      }
      from = dot + 1;
    }
    return node instanceof String s ? s : null;
  }

  /**
   * The object member {@code name} of the top level as a body of its own; none if not an object.
   */
  public JsonBody object(String name) {
    Object v = root == null ? null : root.get(name);
    if (!(v instanceof Map)) {
      return NONE;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) v;
    return new JsonBody(m);
  }

  /** Malformed JSON: caught in {@link #parse}, never escapes. */
  private static final class NotJson extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotJson() {
      super(null, null, false, false);
    }
  }

  private static final class Parser {
    final String s;
    int pos;

    Parser(String s) {
      this.s = s;
    }

    void skipSpace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        pos++;
      }
    }

    char peek() {
      if (pos >= s.length()) {
        throw new NotJson();
      }
      return s.charAt(pos);
    }

    void expect(char c) {
      if (peek() != c) {
        throw new NotJson();
      }
      pos++;
    }

    Object value(int depth, String where) {
      if (depth > MAX_DEPTH) {
        throw new NotJson();
      }
      char c = peek();
      switch (c) {
        case '{':
          return object(depth, where);
        case '[':
          array(depth, where);
          return ARRAY;
        case '"':
          return string();
        case 't':
          return literal("true", "true");
        case 'f':
          return literal("false", "false");
        case 'n':
          return literal("null", NULL);
        default:
          return number();
      }
    }

    Map<String, Object> object(int depth, String where) {
      pos++; // '{'
      Map<String, Object> m = new HashMap<>();
      skipSpace();
      if (peek() == '}') {
        pos++;
        return m;
      }
      while (true) {
        skipSpace();
        String key = string();
        skipSpace();
        expect(':');
        skipSpace();
        String at = where.isEmpty() ? key : where + "." + key;
        Object v = value(depth + 1, at);
        if (m.putIfAbsent(key, v) != null) {
          throw new InvalidRequestException(
              InvalidRequestException.BAD_BODY,
              "the JSON body gives key '"
                  + Texts.shorten(at)
                  + "' twice; servers disagree on which one counts, so send it once");
        }
        skipSpace();
        char c = peek();
        pos++;
        if (c == '}') {
          return m;
        }
        if (c != ',') {
          throw new NotJson();
        }
      }
    }

    void array(int depth, String where) {
      pos++; // '['
      skipSpace();
      if (peek() == ']') {
        pos++;
        return;
      }
      for (int i = 0; ; i++) {
        skipSpace();
        value(depth + 1, where + "[" + i + "]");
        skipSpace();
        char c = peek();
        pos++;
        if (c == ']') {
          return;
        }
        if (c != ',') {
          throw new NotJson();
        }
      }
    }

    Object literal(String word, Object value) {
      if (!s.startsWith(word, pos)) {
        throw new NotJson();
      }
      pos += word.length();
      return value;
    }

    String number() {
      int start = pos;
      if (pos < s.length() && s.charAt(pos) == '-') {
        pos++;
      }
      if (pos < s.length() && s.charAt(pos) == '0') {
        pos++;
      } else if (digits() == 0) {
        throw new NotJson();
      }
      if (pos < s.length() && s.charAt(pos) == '.') {
        pos++;
        if (digits() == 0) {
          throw new NotJson();
        }
      }
      if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        pos++;
        if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
          pos++;
        }
        if (digits() == 0) {
          throw new NotJson();
        }
      }
      return s.substring(start, pos);
    }

    int digits() {
      int start = pos;
      while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
        pos++;
      }
      return pos - start;
    }

    String string() {
      expect('"');
      int start = pos;
      while (true) { // the common case: no escapes, one substring
        char c = peek();
        if (c == '"') {
          return s.substring(start, pos++);
        }
        if (c == '\\') {
          break;
        }
        if (c < 0x20) {
          throw new NotJson();
        }
        pos++;
      }
      StringBuilder b = new StringBuilder().append(s, start, pos);
      while (true) {
        char c = peek();
        pos++;
        if (c == '"') {
          return b.toString();
        }
        if (c < 0x20) {
          throw new NotJson();
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = peek();
        pos++;
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw new NotJson();
            }
            int v = 0;
            for (int k = 0; k < 4; k++) {
              int d = Character.digit(s.charAt(pos + k), 16);
              if (d < 0) {
                throw new NotJson();
              }
              v = v * 16 + d;
            }
            pos += 4;
            b.append((char) v);
          }
          default -> throw new NotJson();
        }
      }
    }
  }
}
