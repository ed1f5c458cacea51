package dev.sluice.server.ops;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code /admin/webhooks}: the queue's figures ({@code GET /admin/webhooks}), the events that
 * failed for good ({@code GET /admin/webhooks/failed}, newest first; {@code GET|DELETE
 * /admin/webhooks/failed/{id}}), and their re-sending ({@code POST
 * /admin/webhooks/failed/{id}/resend}: the event goes back to the queue with its id, and a full
 * retry time ahead of it; 202, since delivery happens later).
 *
 * <p>An id is what the event's {@code id} says (a UUID as Sluice makes them); anything but 1 to 64
 * letters, digits, {@code -} and {@code _} is refused with 400 before it is looked up, and an id no
 * failed event has gets 404. Changes touch the journal (a file), so they run on a worker thread,
 * never on the event loop.
 */
final class WebhookApi {
  private static final System.Logger LOG = System.getLogger("sluice.webhooks");
  static final String PREFIX = "/admin/webhooks";
  private static final String FAILED = PREFIX + "/failed";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final WebhookSender sender;

  WebhookApi(WebhookSender sender) {
    this.sender = sender;
  }

  void handle(HttpServerRequest req) {
    String path = req.path();
    if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
      if (Operations.only(req, "GET")) {
        Replies.json(req.response(), 200, sender.countsJson());
      }
      return;
    }
    if (path.equals(FAILED) || path.equals(FAILED + "/")) {
      if (Operations.only(req, "GET")) {
        JsonArray failed = sender.failedJson(Integer.MAX_VALUE);
        Replies.json(
            req.response(),
            200,
            new JsonObject().put("count", failed.size()).put("failed", failed));
      }
      return;
    }
    if (!path.startsWith(FAILED + "/")) {
      notFound(req);
      return;
    }
    String rest = path.substring(FAILED.length() + 1);
    int slash = rest.indexOf('/');
    String id = slash < 0 ? rest : rest.substring(0, slash);
    String action = slash < 0 ? "" : rest.substring(slash + 1);
    if (!ID.matcher(id).matches()) {
      Replies.bad(
          req.response(),
          "BAD_ID",
          new BadInput(
              "id",
              "'"
                  + (id.length() > 80 ? id.substring(0, 80) + "…" : id)
                  + "' is not an event id: ids are 1 to 64 letters, digits, '-' and '_', as"
                  + " GET /admin/webhooks/failed lists them"));
      return;
    }
    if (action.equals("resend")) {
      if (Operations.only(req, "POST")) {
        blocking(
            req,
            id,
            () -> sender.resend(id),
            new JsonObject().put("id", id).put("resent", true),
            202);
      }
    } else if (!action.isEmpty()) {
      notFound(req);
    } else if (req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD) {
      JsonObject e = sender.failedJson(id);
      if (e == null) {
        noSuch(req, id);
      } else {
        Replies.json(req.response(), 200, e);
      }
    } else if (req.method() == HttpMethod.DELETE) {
      blocking(
          req,
          id,
          () -> sender.remove(id),
          new JsonObject().put("id", id).put("removed", true),
          200);
    } else {
      req.response().putHeader("Allow", "GET, DELETE");
      Replies.error(
          req.response(),
          405,
          "METHOD_NOT_ALLOWED",
          path + " takes GET or DELETE (and POST " + path + "/resend), not " + req.method().name());
    }
  }

  /** Runs {@code change} off the event loop; answers {@code done} if it found {@code id}. */
  private static void blocking(
      HttpServerRequest req, String id, Callable<Boolean> change, JsonObject done, int status) {
    Context context = Vertx.currentContext();
    context
        .owner()
        .executeBlocking(change)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.log(Level.ERROR, "changing failed webhook event " + id + " failed", ar.cause());
                Replies.error(
                    req.response(), 500, "INTERNAL_ERROR", "the event could not be changed");
              } else if (Boolean.TRUE.equals(ar.result())) {
                LOG.log(
                    Level.INFO,
                    "failed webhook event {0} {1}",
                    id,
                    done.containsKey("resent") ? "queued again" : "removed");
                Replies.json(req.response(), status, done);
              } else {
                noSuch(req, id);
              }
            });
  }

  private static void noSuch(HttpServerRequest req, String id) {
    Replies.error(
        req.response(),
        404,
        "NO_SUCH_EVENT",
        "no failed webhook event has id "
            + id
            + " (GET /admin/webhooks/failed lists them; one delivered, removed or already re-sent"
            + " is no longer there)");
  }

  private static void notFound(HttpServerRequest req) {
    Replies.error(
        req.response(),
        404,
        "NOT_FOUND",
        "no such endpoint: "
            + req.path()
            + " (webhooks: GET /admin/webhooks, GET /admin/webhooks/failed, GET|DELETE"
            + " /admin/webhooks/failed/{id}, POST /admin/webhooks/failed/{id}/resend)");
  }
}
