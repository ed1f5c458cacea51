package dev.sluice.core;

import dev.sluice.core.http.JsonBody;
import dev.sluice.core.http.QueryString;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A plain {@link RequestView} built from values, for tests, examples and callers that already hold
 * the parts of a request (the decision API builds one per check).
 */
public final class Request implements RequestView {
  private final String method;
  private final String path;
  private final Map<String, String> headers;
  private final String[] headerNames; // as given, in the map's order
  private final String[] headerValues;
  private final String clientAddress;
  private final Map<String, String> query;
  private final Map<String, String> body;
  private final String json;
  private JsonBody parsed;

  private Request(Builder b) {
    this.method = b.method;
    this.path = b.path;
    this.headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER); // no lower-casing per lookup
    this.headers.putAll(b.headers);
    this.headerNames = headers.keySet().toArray(new String[0]);
    this.headerValues = headers.values().toArray(new String[0]);
    this.clientAddress = b.clientAddress;
    this.query = Map.copyOf(b.query);
    this.body = Map.copyOf(b.body);
    this.json = b.json;
  }

  /**
   * A request with this method and path (a query string after {@code ?} is split off and parsed),
   * as a client sent them: the engine puts both in canonical form when it decides.
   */
  public static Builder builder(String method, String path) {
    return new Builder(method, path);
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
    // A name spelled as it was set (the engine asks for "Authorization", callers set it so) is
    // found without a case-insensitive comparison; any other spelling through the map.
    for (int i = 0; i < headerNames.length; i++) {
      if (headerNames[i].equals(name)) {
        return headerValues[i];
      }
    }
    return headers.get(name);
  }

  @Override
  public String clientAddress() {
    return clientAddress;
  }

  @Override
  public String queryParameter(String name) {
    return query.get(name);
  }

  @Override
  public String bodyField(String fieldPath) {
    String v = body.get(fieldPath);
    if (v != null || json == null) {
      return v;
    }
    JsonBody j = parsed;
    if (j == null) {
      parsed = j = JsonBody.parse(json); // throws for a key given twice, each time it is read
    }
    return j.field(fieldPath);
  }

  @Override
  public String toString() {
    return method + " " + path;
  }

  /** Builds a {@link Request}. */
  public static final class Builder {
    private final String method;
    private final String path;
    private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final Map<String, String> query = new LinkedHashMap<>();
    private final Map<String, String> body = new LinkedHashMap<>();
    private String clientAddress;
    private String json;

    private Builder(String method, String path) {
      this.method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
      Objects.requireNonNull(path, "path");
      int q = path.indexOf('?');
      this.path = q < 0 ? path : path.substring(0, q);
      if (q >= 0) {
        QueryString.forEach(path.substring(q + 1), query::putIfAbsent);
      }
    }

    /** Sets header {@code name} (the first value wins, as {@link RequestView#header} reads it). */
    public Builder header(String name, String value) {
      headers.putIfAbsent(name, Objects.requireNonNull(value));
      return this;
    }

    /** Sets {@code Authorization: Bearer token}. */
    public Builder bearer(String token) {
      return header("Authorization", "Bearer " + token);
    }

    /** Sets the client address. */
    public Builder clientAddress(String address) {
      this.clientAddress = address;
      return this;
    }

    /** Sets query parameter {@code name}. */
    public Builder query(String name, String value) {
      query.putIfAbsent(name, Objects.requireNonNull(value));
      return this;
    }

    /** Sets the JSON body field at {@code path} (dotted) to {@code value}, as text. */
    public Builder bodyField(String path, String value) {
      body.put(path, Objects.requireNonNull(value));
      return this;
    }

    /**
     * Sets the raw JSON body, read by {@link JsonBody} when a rule needs a field of it (fields set
     * with {@link #bodyField} come first).
     */
    public Builder jsonBody(String json) {
      this.json = Objects.requireNonNull(json, "json");
      return this;
    }

    /** The request. */
    public Request build() {
      return new Request(this);
    }
  }
}
