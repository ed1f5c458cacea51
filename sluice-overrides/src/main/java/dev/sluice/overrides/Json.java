package dev.sluice.overrides;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON as plain Java values ({@code Map} in key order, {@code List}, {@code String}, {@code
 * Number}, {@code Boolean}, {@code null}), read and written with jackson-core's streaming API.
 *
 * <p>What it writes is what Vert.x's {@code JsonObject.encode()} and {@code encodePrettily()} wrote
 * when the gateway kept overrides with them (both are Jackson's generator, the pretty form with its
 * default pretty printer), so {@code overrides.json} and the shared map's entries read and write
 * byte for byte as before.
 */
final class Json {
  private static final JsonFactory FACTORY = new JsonFactory();

  private Json() {}

  /**
   * The value {@code text} holds.
   *
   * @throws IllegalArgumentException if it is not one JSON value
   */
  static Object parse(String text) {
    try (JsonParser p = FACTORY.createParser(text)) {
      if (p.nextToken() == null) {
        throw new IllegalArgumentException("no JSON value: the text is empty");
      }
      Object value = read(p);
      if (p.nextToken() != null) {
        throw new IllegalArgumentException(
            "unexpected " + p.currentToken() + " after the JSON value, at " + where(p));
      }
      return value;
    } catch (IOException e) { // JsonProcessingException: malformed; nothing else reads a String
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }

  private static Object read(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT:
        Map<String, Object> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          map.put(name, read(p));
        }
        return map;
      case START_ARRAY:
        List<Object> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          list.add(read(p));
        }
        return list;
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IllegalArgumentException("unexpected " + t + " at " + where(p));
    }
  }

  private static String where(JsonParser p) {
    return "line "
        + p.currentLocation().getLineNr()
        + ", column "
        + p.currentLocation().getColumnNr();
  }

  /** {@code value} as compact JSON. */
  static String write(Object value) {
    return write(value, false);
  }

  /** {@code value} as JSON, indented by Jackson's default pretty printer if {@code pretty}. */
  static String write(Object value, boolean pretty) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (pretty) {
        g.useDefaultPrettyPrinter();
      }
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof Iterable<?> list) {
      g.writeStartArray();
      for (Object v : list) {
        write(g, v);
      }
      g.writeEndArray();
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof Integer | value instanceof Short | value instanceof Byte) {
      g.writeNumber(((Number) value).intValue());
    } else if (value instanceof Long l) {
      g.writeNumber(l);
    } else if (value instanceof BigInteger b) {
      g.writeNumber(b);
    } else if (value instanceof BigDecimal b) {
      g.writeNumber(b);
    } else if (value instanceof Float f) {
      g.writeNumber(f);
    } else if (value instanceof Number n) {
      g.writeNumber(n.doubleValue());
    } else {
      g.writeString(String.valueOf(value));
    }
  }

  /**
   * A deep, unmodifiable copy of {@code value} as plain JSON values: maps and lists become
   * unmodifiable (in their order), and any other {@code Map} or {@code Iterable} (a framework's
   * JSON object or array) becomes one.
   *
   * @throws IllegalArgumentException if it holds something JSON has no value for
   */
  static Object copy(Object value) {
    if (value == null
        || value instanceof String
        || value instanceof Number
        || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), copy(v)));
      return Collections.unmodifiableMap(out);
    }
    if (value instanceof Iterable<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(copy(v)));
      return Collections.unmodifiableList(out);
    }
    throw new IllegalArgumentException("not a JSON value: a " + value.getClass().getSimpleName());
  }
}
