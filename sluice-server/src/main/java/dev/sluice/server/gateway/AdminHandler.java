package dev.sluice.server.gateway;

import dev.sluice.config.PolicyException;
import dev.sluice.core.Answer;
import dev.sluice.core.Decision;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.Header;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.StoreFailure;
import dev.sluice.server.ops.Operations;
import dev.sluice.server.ops.TableStats;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;

/**
 * The admin port:
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 while the process serves, 503 (saying why) while the proxy cannot
 *       accept connections;
 *   <li>{@code GET /readyz}: whether requests can be served (see {@link #ready});
 *   <li>{@code GET /metrics}: Prometheus text;
 *   <li>{@code POST /v1/check}: the decision service (see {@link CheckApi});
 *   <li>{@code POST /admin/reload}: re-reads the policy file (as {@code SIGHUP} does); a policy
 *       that does not load is refused with 422 and its located error, and the old one stays;
 *   <li>the rest of {@code /admin} and {@code /dashboard}: see {@link Operations}.
 * </ul>
 *
 * Everything under {@code /admin} and {@code /dashboard} needs a credential, looked at before
 * anything else: the admin token ({@code Authorization: Bearer ...}) for everything, the viewer
 * token or the dashboard's sign-in cookie for reading only (401 without one, 403 for a reader's
 * change; see {@code Operations.admit}). The decision endpoint needs the admin token or the check
 * token (it charges limits and shows what remains of them), unless the operator opened it ({@code
 * --open-check}); 401 without. The health, readiness and metrics endpoints stay open (the port
 * binds to loopback by default). Every answer is JSON except the metrics, the CSV report and the
 * dashboard; unknown paths get 404 and wrong methods 405.
 */
final class AdminHandler implements Handler<HttpServerRequest> {
  private static final System.Logger LOG = System.getLogger("sluice.gateway");

  private final Engines engines;
  private final GatewayMetrics metrics;
  private final Readiness readiness;
  private final Operations ops;
  private final java.util.function.Supplier<String> proxyProblem;

  /**
   * Set once the gateway begins to stop: {@code /readyz} fails from then on (see {@link #ready}).
   */
  private volatile boolean withdrawn;

  /** Whether the store can take decisions now. */
  interface Readiness {
    io.vertx.core.Future<String> check();
  }

  AdminHandler(
      Engines engines,
      GatewayMetrics metrics,
      Readiness readiness,
      Operations ops,
      java.util.function.Supplier<String> proxyProblem) {
    this.ops = ops;
    this.proxyProblem = proxyProblem;
    this.engines = engines;
    this.metrics = metrics;
    this.readiness = readiness;
  }

  @Override
  public void handle(HttpServerRequest req) {
    // Vert.x decodes the query when a parameter is first asked for, and throws at a broken
    // %-escape: refused here, it cannot reach a handler (it once left the request unanswered).
    String query = req.query();
    if (query != null && !dev.sluice.core.http.QueryString.isValid(query)) {
      JsonErrors.send(
          req.response().putHeader("Connection", "close"),
          400,
          "BAD_QUERY",
          "the query string has a broken percent-encoding (a % not followed by two hex digits)");
      return;
    }
    try {
      route(req);
    } catch (RuntimeException e) { // a gap in the checks: a 500 in JSON, never a silent hang
      LOG.log(Level.ERROR, "answering " + req.method() + " " + req.path() + " failed", e);
      JsonErrors.send(req.response(), 500, "INTERNAL_ERROR", "the request could not be answered");
    }
  }

  private void route(HttpServerRequest req) {
    String path = req.path();
    if ((path.startsWith("/admin/")
            || path.equals("/admin")
            || path.equals("/dashboard")
            || path.startsWith("/dashboard/"))
        && !ops.admit(req)) {
      return; // answered: 401, 403 for a reader's change, or the dashboard's sign-in
    }
    if (Operations.serves(path)) {
      ops.handle(req);
      return;
    }
    switch (path) {
      case "/healthz" -> only(req, HttpMethod.GET, () -> health(req));
      case "/readyz" -> only(req, HttpMethod.GET, () -> ready(req));
      case "/metrics" ->
          only(
              req,
              HttpMethod.GET,
              () ->
                  req.response()
                      .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                      .end(metrics.scrape()));
      case "/v1/check" ->
          only(
              req,
              HttpMethod.POST,
              () -> {
                if (ops.checkAuthorized(req)) {
                  check(req);
                  return;
                }
                req.response().putHeader("WWW-Authenticate", "Bearer realm=\"sluice-check\"");
                JsonErrors.send(
                    req.response(),
                    401,
                    "UNAUTHORIZED",
                    "/v1/check needs a token: send Authorization: Bearer <token>, the check token"
                        + " (--check-token, SLUICE_CHECK_TOKEN) or the admin token (--admin-token,"
                        + " SLUICE_ADMIN_TOKEN, or the one printed at start-up)");
              });
      case "/json" ->
          only(
              req,
              HttpMethod.POST,
              () -> {
                if (ops.checkAuthorized(req)) {
                  EnvoyHttp.json(req, engines.envoyJson());
                  return;
                }
                req.response().putHeader("WWW-Authenticate", "Bearer realm=\"sluice-check\"");
                JsonErrors.send(
                    req.response(),
                    401,
                    "UNAUTHORIZED",
                    "/json needs a token as /v1/check does (the check or admin token), unless the"
                        + " server runs with --open-check");
              });
      case "/healthcheck" -> only(req, HttpMethod.GET, () -> EnvoyHttp.health(req, engines));
      case "/admin/reload" ->
          only(
              req,
              HttpMethod.POST,
              () -> {
                req.resume();
                JsonObject answer = reloadAnswering("admin");
                json(req.response(), answer.getBoolean("reloaded") ? 200 : 422, answer);
              });
      default ->
          JsonErrors.send(
              req.response(),
              404,
              "NOT_FOUND",
              "no such endpoint: "
                  + path
                  + " (the admin port serves /healthz, /readyz, /metrics, POST /v1/check, POST"
                  + " /admin/reload, /admin/overrides, /admin/usage, /admin/audit, /admin/stats and"
                  + " /dashboard)");
    }
  }

  /**
   * {@code GET /readyz}: 200 when requests can be served under the policy in force, else 503, with
   * a JSON body saying why. The store answering: ready. The store down: ready unless the policy's
   * {@code on-store-failure} is {@code closed}, since {@code open} and {@code local} go on serving
   * (a probe that took every instance out of service would turn fail-open into an outage). With the
   * in-memory store the body also shows how full the bucket table is ({@code table}); a full table
   * is not unreadiness either: new identities are then counted coarsely, not refused.
   */
  private void ready(HttpServerRequest req) {
    ready(req, true);
  }

  /**
   * From now on {@code /readyz} answers 503 {@code "stopping"}, whatever the store says, while
   * everything else is still served: the first phase of a shutdown, for load balancers to stop
   * sending requests here before the gateway stops taking them.
   */
  void withdraw() {
    withdrawn = true;
  }

  /**
   * {@code GET /readyz}; with {@code detailed} false (the health port, which may face the network)
   * the body says only the status: the store's errors and the table's figures stay on the admin
   * port.
   */
  void ready(HttpServerRequest req, boolean detailed) {
    if (withdrawn) {
      json(
          req.response(),
          503,
          new JsonObject()
              .put("status", "stopping")
              .put(
                  "reason",
                  "the gateway is shutting down: it still serves requests for its grace period,"
                      + " then drains those in flight"));
      return;
    }
    readiness
        .check()
        .onComplete(
            ar -> {
              StoreFailure mode = engines.current().policy().onStoreFailure();
              boolean up = ar.succeeded();
              // A store outage is served per the policy's mode; any other failure of the check
              // (an identity secret at odds with the other instances') is unreadiness, whatever
              // the mode.
              boolean outage = !up && isStoreOutage(ar.cause());
              boolean ready = up || (outage && mode != StoreFailure.CLOSED);
              JsonObject body =
                  new JsonObject()
                      .put("status", ready ? "ready" : "unavailable")
                      .put("store", up ? ar.result() : String.valueOf(ar.cause().getMessage()))
                      .put("store_up", up)
                      .put("on_store_failure", mode.label());
              if (outage) {
                body.put(
                    "requests",
                    switch (mode) {
                      case OPEN -> "admitted uncounted until the store answers";
                      case CLOSED -> "refused with 503 until the store answers";
                      case LOCAL -> "counted in this instance's memory until the store answers";
                    });
              }
              TableStats table = TableStats.of(engines.store());
              if (table != null) {
                body.put("table", table.toJson());
              }
              json(
                  req.response(),
                  ready ? 200 : 503,
                  detailed ? body : new JsonObject().put("status", body.getString("status")));
            });
  }

  /** Whether {@code failure} (or a cause of it) says that the store did not answer. */
  private static boolean isStoreOutage(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof dev.sluice.core.store.StoreUnavailableException) {
        return true;
      }
    }
    return false;
  }

  /** 200 while the proxy (if any) can accept connections; else 503 and why. */
  private void health(HttpServerRequest req) {
    health(req, true);
  }

  /** {@code GET /healthz}; with {@code detailed} false, without the problem's details. */
  void health(HttpServerRequest req, boolean detailed) {
    String problem = proxyProblem.get();
    if (problem == null) {
      json(req.response(), 200, new JsonObject().put("status", "ok"));
    } else {
      JsonObject body = new JsonObject().put("status", "failing");
      json(req.response(), 503, detailed ? body.put("problem", problem) : body);
    }
  }

  /** Reloads the policy on SIGHUP; {@code null} on success, else the error. */
  String reload() {
    JsonObject answer = reloadAnswering("signal");
    return answer.getBoolean("reloaded")
        ? null
        : answer.getJsonObject("error").getString("message");
  }

  /**
   * What is read again with the policy (the main port's certificate): read and checked first, put
   * in force only if the policy is too.
   */
  interface AlsoReloaded {
    /**
     * @return what puts it in force
     * @throws IllegalArgumentException saying what is wrong (then nothing is reloaded)
     */
    ServerTls.Reload prepare();
  }

  private volatile AlsoReloaded alsoReloaded = () -> () -> {};

  /** Reloads {@code also} with each reload of the policy, all or nothing. */
  void alsoReload(AlsoReloaded also) {
    this.alsoReloaded = also;
  }

  /** Reloads the policy and says how it went, as the admin API answers. */
  private synchronized JsonObject reloadAnswering(String by) {
    String before = engines.policyHash();
    ServerTls.Reload certificate;
    try {
      certificate = alsoReloaded.prepare();
    } catch (IllegalArgumentException e) {
      metrics.reloaded(false);
      ops.policyReloaded(by, before, before, e.getMessage());
      LOG.log(
          Level.WARNING,
          "reload refused, the previous certificate and policy stay in force: {0}",
          e.getMessage());
      return new JsonObject()
          .put("reloaded", false)
          .put(
              "error",
              new JsonObject().put("code", "INVALID_CERTIFICATE").put("message", e.getMessage()));
    }
    try {
      Policy p = engines.reload(ops::checkPolicy);
      certificate.commit();
      ops.policyChanged();
      metrics.reloaded(true);
      ops.policyReloaded(by, before, engines.policyHash(), null);
      LOG.log(
          Level.INFO,
          "policy reloaded from {0}: {1} rules",
          engines.policyFile(),
          p.rules().size());
      return new JsonObject().put("reloaded", true).put("rules", p.rules().size());
    } catch (PolicyException | IllegalArgumentException e) {
      metrics.reloaded(false);
      ops.policyReloaded(by, before, before, e.getMessage());
      LOG.log(
          Level.WARNING,
          "policy reload refused, the previous policy stays in force: {0}",
          e.getMessage());
      return new JsonObject()
          .put("reloaded", false)
          .put(
              "error",
              new JsonObject().put("code", "INVALID_POLICY").put("message", e.getMessage()));
    }
  }

  private void check(HttpServerRequest req) {
    Context context = Vertx.currentContext();
    Buffer raw = Buffer.buffer();
    boolean[] tooLarge = {false};
    req.handler(
        chunk -> {
          if (tooLarge[0]) {
            return;
          }
          if (raw.length() + chunk.length() > CheckApi.MAX_REQUEST_BYTES) {
            tooLarge[0] = true;
            JsonErrors.send(
                req.response().putHeader("Connection", "close"),
                413,
                "BODY_TOO_LARGE",
                "a check request may be at most " + CheckApi.MAX_REQUEST_BYTES + " bytes");
            return;
          }
          raw.appendBuffer(chunk);
        });
    req.endHandler(
        v -> {
          if (tooLarge[0]) {
            return;
          }
          GatewayRequest view;
          boolean dryRun;
          try {
            CheckApi.Check check = CheckApi.parse(raw);
            view = check.request();
            dryRun = check.dryRun();
          } catch (CheckApi.BadCheck e) {
            JsonObject error =
                new JsonObject().put("code", "BAD_CHECK").put("message", e.getMessage());
            if (!e.field.isEmpty()) {
              error.put("field", e.field);
            }
            json(req.response(), 400, new JsonObject().put("error", error));
            return;
          }
          Sluice engine = engines.current();
          io.vertx.core.Future<Decision> decided;
          try {
            decided =
                dryRun
                    ? io.vertx.core.Future.fromCompletionStage(engine.dryRunAsync(view), context)
                    : Decider.decide(engine, view, context);
          } catch (RuntimeException e) { // answered below as any failed decision is: never a hang
            decided = io.vertx.core.Future.failedFuture(e);
          }
          decided.onComplete(
              ar -> {
                if (ar.failed()) {
                  LOG.log(Level.ERROR, "a decision failed", ar.cause());
                  JsonErrors.send(
                      req.response(), 500, "INTERNAL_ERROR", "the request could not be decided");
                  return;
                }
                Decision d = ar.result();
                Answer answer = engine.answer(d);
                HttpServerResponse response = req.response();
                for (Header h : answer.headers()) {
                  response.putHeader(h.name(), h.value());
                }
                json(response, 200, CheckApi.answer(d, answer).put("dry_run", dryRun));
              });
        });
    req.resume();
  }

  private static void only(HttpServerRequest req, HttpMethod method, Runnable action) {
    if (req.method().equals(method)
        || (method == HttpMethod.GET && req.method() == HttpMethod.HEAD)) {
      action.run();
    } else {
      req.response().putHeader("Allow", method.name());
      JsonErrors.send(
          req.response(),
          405,
          "METHOD_NOT_ALLOWED",
          req.path() + " takes " + method.name() + ", not " + req.method().name());
    }
  }

  static void json(HttpServerResponse response, int status, JsonObject body) {
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
