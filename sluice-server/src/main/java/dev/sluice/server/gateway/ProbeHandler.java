package dev.sluice.server.gateway;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * The health port ({@code sluice serve --health-port}): {@code GET /healthz} and {@code GET
 * /readyz} and nothing else, so that probes (a load balancer's, the kubelet's) can reach the
 * gateway from the network while the admin port, which holds metrics, the decision API and the
 * admin API, stays on loopback.
 *
 * <p>Why a listener of its own rather than the two paths on the proxy's port: there they would
 * shadow the protected API's own {@code /healthz}, a request to them would pass the rate limiter or
 * not depending on where it is matched, and a decision service without an upstream has no proxy
 * port at all. Its answers are those of the admin port with the details left out (a store's error,
 * the bucket table's figures): whoever reaches it learns only whether this instance is alive and
 * ready.
 */
final class ProbeHandler implements Handler<HttpServerRequest> {
  private final AdminHandler admin;

  ProbeHandler(AdminHandler admin) {
    this.admin = admin;
  }

  @Override
  public void handle(HttpServerRequest req) {
    String path = req.path();
    boolean health = "/healthz".equals(path);
    if (!health && !"/readyz".equals(path)) {
      JsonErrors.send(
          req.response(),
          404,
          "NOT_FOUND",
          "the health port serves GET /healthz and GET /readyz only");
      return;
    }
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      req.response().putHeader("Allow", "GET");
      JsonErrors.send(
          req.response(),
          405,
          "METHOD_NOT_ALLOWED",
          path + " takes GET, not " + req.method().name());
      return;
    }
    if (health) {
      admin.health(req, false);
    } else {
      admin.ready(req, false);
    }
  }
}
