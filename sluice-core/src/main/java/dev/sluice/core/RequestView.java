package dev.sluice.core;

/**
 * What the engine may read of a request: enough to match routes, find identities and costs.
 *
 * <p>Implementations adapt a server's request object (the gateway's, a servlet's, a test's {@link
 * Request}); reads are lazy so a body is parsed only when a matching rule needs a field of it.
 * Every method returns {@code null} for "absent", never throws for it.
 */
public interface RequestView {

  /** The HTTP method, upper case. */
  String method();

  /** The path, without query string, e.g. {@code /assets/42}. */
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
   * the field is absent or not a scalar.
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
