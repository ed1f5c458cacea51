package dev.sluice.server.gateway;

import dev.sluice.core.RequestView;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * A request as the engine sees it: method, canonical path, headers, the resolved client address,
 * query parameters and (when a rule needs it) the JSON body, parsed on first use.
 */
final class GatewayRequest implements RequestView {
  private final String method;
  private final String path;
  private final Function<String, String> headers;
  private final boolean wireHeaders;
  private final String clientAddress;
  private final Function<String, String> query;
  private final Buffer body;
  private final long costOverride;
  private Object json; // JsonObject, or NOT_JSON once parsing failed
  private static final Object NOT_JSON = new Object();

  GatewayRequest(
      String method,
      String path,
      Function<String, String> headers,
      String clientAddress,
      Function<String, String> query,
      Buffer body,
      long costOverride) {
    this(method, path, headers, false, clientAddress, query, body, costOverride);
  }

  /**
   * @param headers a header's (first) value by name, in any case
   * @param wireHeaders whether {@code headers} came off the wire (one char per byte, as Netty reads
   *     them) rather than as text (the decision API's JSON)
   */
  GatewayRequest(
      String method,
      String path,
      Function<String, String> headers,
      boolean wireHeaders,
      String clientAddress,
      Function<String, String> query,
      Buffer body,
      long costOverride) {
    this.wireHeaders = wireHeaders;
    this.method = method;
    this.path = path;
    this.headers = headers;
    this.clientAddress = clientAddress;
    this.query = query;
    this.body = body;
    this.costOverride = costOverride;
  }

  /** A view whose body is already a JSON object (the decision API's {@code body}). */
  GatewayRequest withJson(JsonObject object) {
    this.json = object;
    return this;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String header(String name) {
    String value = headers.apply(name);
    return wireHeaders ? text(value) : value;
  }

  /**
   * A header value as received, one char per byte, read as the text it is: UTF-8 when its bytes of
   * 0x80 and up form valid UTF-8 (what clients send; RFC 9110 leaves such octets opaque), else as
   * it came. So an API key {@code café} sent in a header is the identity the admin API and a JSON
   * body name {@code café}, not {@code cafÃ©}, and one override covers it everywhere. An ASCII
   * value, nearly every one, is returned after a scan, as it is.
   */
  static String text(String value) {
    if (value == null) {
      return null;
    }
    int n = value.length();
    int i = 0;
    while (i < n && value.charAt(i) < 0x80) {
      i++;
    }
    if (i == n) {
      return value;
    }
    byte[] bytes = new byte[n];
    for (int j = 0; j < n; j++) {
      char c = value.charAt(j);
      if (c > 0xFF) {
        return value; // not bytes: given as text already
      }
      bytes[j] = (byte) c;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return value; // Latin-1 text, or bytes of no known encoding: counted as they are
    }
  }

  @Override
  public String clientAddress() {
    return clientAddress;
  }

  @Override
  public String queryParameter(String name) {
    return query.apply(name);
  }

  @Override
  public long costOverride() {
    return costOverride;
  }

  @Override
  public String bodyField(String fieldPath) {
    Object j = json;
    if (j == null) {
      j = json = parse(body);
    }
    if (j == NOT_JSON) {
      return null;
    }
    return field((JsonObject) j, fieldPath);
  }

  private static Object parse(Buffer body) {
    if (body == null || body.length() == 0) {
      return NOT_JSON;
    }
    try {
      Object value = Json.decodeValue(body);
      return value instanceof JsonObject o ? o : NOT_JSON;
    } catch (DecodeException e) { // malformed JSON, invalid UTF-8, nested too deep
      return NOT_JSON;
    }
  }

  /** The scalar at dotted {@code path} of {@code object}, as text; {@code null} otherwise. */
  static String field(JsonObject object, String path) {
    Object node = object;
    int from = 0;
    while (true) {
      int dot = path.indexOf('.', from);
      String name = dot < 0 ? path.substring(from) : path.substring(from, dot);
      if (!(node instanceof JsonObject o)) {
        return null;
      }
      node = o.getValue(name);
      if (dot < 0) {
        break;
      }
      from = dot + 1;
    }
    if (node instanceof String s) {
      return s;
    }
    if (node instanceof Number || node instanceof Boolean) {
      return node.toString();
    }
    return null; // absent, null, an object or an array: not an identity
  }
}
