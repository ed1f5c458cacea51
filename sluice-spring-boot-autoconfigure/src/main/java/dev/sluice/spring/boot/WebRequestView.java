package dev.sluice.spring.boot;

import dev.sluice.core.RequestView;
import dev.sluice.core.http.HeaderText;
import dev.sluice.core.http.JsonBody;
import dev.sluice.core.http.QueryString;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A Servlet or WebFlux request as the engine sees it: method and path as received (the engine puts
 * them in canonical form), headers as the server decoded them (one char per byte, read as UTF-8 by
 * {@link HeaderText}, as the gateway reads them), the client address, the raw query string read as
 * core reads one, the body (when a rule needs it) and the authenticated user.
 *
 * <p>A subclass reads the headers and the user from its server's request: the Servlet filter's
 * holds the request itself, so a decision allocates no lambdas for them (seen in a profile of the
 * filter); {@link #of} adapts any other source.
 */
abstract class WebRequestView implements RequestView, PrincipalKeySource.Authenticated {
  private final String method;
  private final String path;
  private final String clientAddress;
  private final String rawQuery;
  private final byte[] body;
  private Map<String, String> query;
  private JsonBody json;

  WebRequestView(String method, String path, String clientAddress, String rawQuery, byte[] body) {
    this.method = method;
    this.path = path;
    this.clientAddress = clientAddress;
    this.rawQuery = rawQuery;
    this.body = body;
  }

  /** A view reading headers from {@code headers} and the user from {@code principal}. */
  static WebRequestView of(
      String method,
      String path,
      Function<String, String> headers,
      String clientAddress,
      String rawQuery,
      byte[] body,
      Supplier<String> principal) {
    return new WebRequestView(method, path, clientAddress, rawQuery, body) {
      @Override
      String rawHeader(String name) {
        return headers.apply(name);
      }

      @Override
      public String principal() {
        return principal.get();
      }
    };
  }

  /** The first value of header {@code name} as the server decoded it, or {@code null}. */
  abstract String rawHeader(String name);

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
    return HeaderText.of(rawHeader(name));
  }

  @Override
  public String clientAddress() {
    return clientAddress;
  }

  @Override
  public String queryParameter(String name) {
    if (rawQuery == null) {
      return null;
    }
    if (query == null) {
      Map<String, String> params = new HashMap<>();
      QueryString.forEach(rawQuery, params::putIfAbsent);
      query = params;
    }
    return query.get(name);
  }

  @Override
  public String bodyField(String fieldPath) {
    JsonBody j = json;
    if (j == null) {
      j = body == null ? JsonBody.none() : JsonBody.parse(body);
      json = j;
    }
    return j.field(fieldPath);
  }
}
