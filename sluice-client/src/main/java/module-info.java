/**
 * A {@code java.net.http} client that lives within any API's rate limits: it honours {@code
 * Retry-After}, backs off with jitter, keeps retries within a budget, paces requests from the limit
 * headers and revalidates cached GETs. See {@link dev.sluice.client.RateLimitedClient}.
 */
module dev.sluice.client {
  requires transitive java.net.http;

  exports dev.sluice.client;
}
