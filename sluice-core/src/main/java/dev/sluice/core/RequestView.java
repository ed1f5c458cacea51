package dev.sluice.core;

/**
 * What the engine may read of a request: enough to match routes, find identities and costs.
 *
 * <p>Implementations adapt a server's request object (the gateway's, a servlet's, a test's {@link
 * Request}); reads are lazy so a body is parsed only when a matching rule needs a field of it.
 * Every method returns {@code null} for "absent", never throws for it. A read that finds the
 * request unreadable one way only (a JSON body with a key given twice) throws {@link
 * dev.sluice.core.http.InvalidRequestException}: the engine then decides the request invalid (a
 * 400), never lets it through uncounted.
 */
public interface RequestView {

  /**
   * The HTTP method as the client sent it. The engine reads it through {@link
   * dev.sluice.core.http.HttpMethods}: a standard method in any case is that method; any other
   * makes the request invalid.
   */
  String method();

  /**
   * The path as the client sent it, without query string, e.g. {@code /assets/42}. The engine
   * matches it in its canonical form ({@link dev.sluice.core.http.CanonicalPath}): an adapter need
   * not clean it up, and cannot get an uncanonical path past a rule.
   */
  String path();

  /** The first value of header {@code name} (case-insensitive), or {@code null}. */
  String header(String name);

  /** The client's address as text (IPv4 dotted, IPv6 compressed), or {@code null} if unknown. */
  String clientAddress();

  /** The first value of query parameter {@code name}, decoded, or {@code null}. */
  String queryParameter(String name);

  /**
   * The field at {@code path} (dotted for nested objects) of the JSON body, as text: strings
   * unquoted, numbers and booleans as written; {@code null} if there is no body, it is not JSON, or
   * the field is absent or not a scalar. {@link dev.sluice.core.http.JsonBody} is the default
   * reader; it throws {@link dev.sluice.core.http.InvalidRequestException} for a key given twice.
   */
  String bodyField(String path);

  /**
   * A cost that replaces every applicable rule's own cost, or -1 (the default) to use the rules'
   * costs. For callers that price requests themselves, such as the decision API's {@code cost}.
   */
  default long costOverride() {
    return -1;
  }
}
