package dev.sluice.server.gateway;

import dev.sluice.core.RequestView;
import dev.sluice.core.http.HeaderText;
import dev.sluice.core.http.JsonBody;
import java.util.function.Function;

/**
 * A request as the engine sees it: method and path as received (the engine puts them in canonical
 * form), headers, the resolved client address, query parameters and (when a rule needs it) the JSON
 * body, read by core's {@link JsonBody} on first use.
 */
final class GatewayRequest implements RequestView {
  private final String method;
  private final String path;
  private final Function<String, String> headers;
  private final boolean wireHeaders;
  private final String clientAddress;
  private final Function<String, String> query;
  private final byte[] body;
  private final long costOverride;
  private JsonBody json;

  GatewayRequest(
      String method,
      String path,
      Function<String, String> headers,
      String clientAddress,
      Function<String, String> query,
      byte[] body,
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
      byte[] body,
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

  /** A view whose body is already read (the decision API's {@code body}). */
  GatewayRequest withJson(JsonBody body) {
    this.json = body;
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
    return wireHeaders ? HeaderText.of(value) : value;
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

  /**
   * {@inheritDoc}
   *
   * @throws dev.sluice.core.http.InvalidRequestException if the body gives a key twice (each time a
   *     field is read: the engine stops at the first)
   */
  @Override
  public String bodyField(String fieldPath) {
    JsonBody j = json;
    if (j == null) {
      j = JsonBody.parse(body);
      json = j;
    }
    return j.field(fieldPath);
  }
}
