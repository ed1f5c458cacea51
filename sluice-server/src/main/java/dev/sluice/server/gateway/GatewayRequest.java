package dev.sluice.server.gateway;

import dev.sluice.core.RequestView;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * A request as the engine sees it: method, canonical path, headers, the resolved client address,
 * query parameters and (when a rule needs it) the JSON body, parsed on first use.
 */
final class GatewayRequest implements RequestView {
  private final String method;
  private final String path;
  private final MultiMap headers;
  private final String clientAddress;
  private final Function<String, String> query;
  private final Buffer body;
  private final long costOverride;
  private Object json; // JsonObject, or NOT_JSON once parsing failed
  private static final Object NOT_JSON = new Object();

  GatewayRequest(String method, String path, MultiMap headers, String clientAddress,
      Function<String, String> query, Buffer body, long costOverride) {
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
    return headers.get(name);
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
