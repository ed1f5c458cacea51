package dev.sluice.server.ops;

import dev.sluice.core.Sluice;
import dev.sluice.overrides.OverrideBook;
import dev.sluice.overrides.OverrideException;
import dev.sluice.overrides.StoredOverride;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * {@code /admin/overrides}: list ({@code GET /admin/overrides}), read, set and remove one ({@code
 * GET}, {@code PUT}, {@code DELETE /admin/overrides/{identity}}). Writes reach the storage on a
 * worker thread (a file's fsync, a Redis round trip), never on the event loop.
 */
final class OverrideApi {
  private static final System.Logger LOG = System.getLogger("sluice.ops");
  static final String PREFIX = "/admin/overrides";

  private final OverrideBook book;
  private final Supplier<Sluice> engine;
  private final AuditLog audit;

  OverrideApi(OverrideBook book, Supplier<Sluice> engine, AuditLog audit) {
    this.book = book;
    this.engine = engine;
    this.audit = audit;
  }

  /** Answers {@code req}, made by {@code by} (the kind of credential, for the audit trail). */
  void handle(HttpServerRequest req, String by) {
    String path = req.path();
    if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
      if (!Operations.only(req, "GET")) {
        return;
      }
      JsonArray all = new JsonArray();
      book.all().forEach(o -> all.add(book.describe(o)));
      Replies.json(req.response(), 200, new JsonObject().put("overrides", all));
      return;
    }
    long fp;
    try {
      String raw = path.substring(PREFIX.length() + 1);
      fp =
          Identities.fingerprint(
              Identities.decodeSegment(raw, "identity"), engine.get(), "identity");
    } catch (BadInput e) {
      Replies.bad(req.response(), "BAD_IDENTITY", e);
      return;
    }
    HttpMethod m = req.method();
    if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
      StoredOverride o = book.get(fp);
      if (o == null) {
        Replies.json(
            req.response(),
            404,
            new JsonObject()
                .put("identity", Sluice.fingerprintText(fp))
                .put(
                    "error",
                    new JsonObject()
                        .put("code", "NO_OVERRIDE")
                        .put(
                            "message",
                            "identity "
                                + Sluice.fingerprintText(fp)
                                + " has no override: the policy's"
                                + " defaults apply")));
      } else {
        Replies.json(req.response(), 200, new JsonObject(book.describe(o)));
      }
    } else if (m == HttpMethod.PUT) {
      put(req, fp, by);
    } else if (m == HttpMethod.DELETE) {
      Vertx vertx = Vertx.currentContext().owner();
      String identity = Sluice.fingerprintText(fp);
      StoredOverride[] before = {null};
      vertx
          .executeBlocking(
              () -> {
                before[0] = book.get(fp);
                return book.delete(fp);
              })
          .onComplete(
              ar -> {
                JsonObject was = before[0] == null ? null : new JsonObject(before[0].toJson());
                if (ar.failed()) {
                  audit.record("override.delete", by, identity, was, was, ar.cause().getMessage());
                  storageFailed(req, ar.cause());
                } else if (!ar.result()) {
                  Replies.json(
                      req.response(),
                      404,
                      new JsonObject()
                          .put("identity", Sluice.fingerprintText(fp))
                          .put("deleted", false)
                          .put(
                              "error",
                              new JsonObject()
                                  .put("code", "NO_OVERRIDE")
                                  .put(
                                      "message",
                                      "identity "
                                          + Sluice.fingerprintText(fp)
                                          + " has no override: nothing to"
                                          + " delete")));
                } else {
                  audit.record("override.delete", by, identity, was, null, null);
                  LOG.log(Level.INFO, "override of {0} removed", Sluice.fingerprintText(fp));
                  Replies.json(
                      req.response(),
                      200,
                      new JsonObject()
                          .put("identity", Sluice.fingerprintText(fp))
                          .put("deleted", true));
                }
              });
    } else {
      req.response().putHeader("Allow", "GET, PUT, DELETE");
      Replies.error(
          req.response(),
          405,
          "METHOD_NOT_ALLOWED",
          PREFIX + "/{identity} takes GET, PUT or DELETE, not " + m.name());
    }
  }

  private void put(HttpServerRequest req, long fp, String by) {
    Vertx vertx = Vertx.currentContext().owner();
    Replies.body(req)
        .onComplete(
            read -> {
              if (read.failed()) {
                if (read.cause() instanceof BadInput e) {
                  Replies.error(
                      req.response().putHeader("Connection", "close"),
                      413,
                      "BODY_TOO_LARGE",
                      e.getMessage());
                }
                return;
              }
              StoredOverride o;
              try {
                JsonObject body;
                try {
                  body = read.result().toJsonObject();
                } catch (DecodeException | ClassCastException e) {
                  throw new BadInput("", "the body is not a JSON object: e.g. {\"tier\": \"pro\"}");
                }
                if (body == null) {
                  throw new BadInput("", "the body is empty; send e.g. {\"tier\": \"pro\"}");
                }
                o = book.read(fp, body.getMap());
              } catch (BadInput e) {
                Replies.bad(req.response(), "BAD_OVERRIDE", e);
                return;
              } catch (OverrideException e) {
                Replies.bad(
                    req.response(), "BAD_OVERRIDE", new BadInput(e.field(), e.getMessage()));
                return;
              } catch (
                  RuntimeException
                      e) { // a bug of ours: an answer, a log line, never a hung request
                LOG.log(System.Logger.Level.ERROR, "reading an override failed", e);
                Replies.error(
                    req.response(), 500, "INTERNAL_ERROR", "the override could not be read");
                return;
              }
              String identity = Sluice.fingerprintText(fp);
              StoredOverride[] before = {null};
              vertx
                  .executeBlocking(
                      () -> {
                        before[0] = book.get(fp);
                        book.put(o);
                        return o;
                      })
                  .onComplete(
                      ar -> {
                        JsonObject was =
                            before[0] == null ? null : new JsonObject(before[0].toJson());
                        audit.record(
                            "override.put",
                            by,
                            identity,
                            was,
                            ar.succeeded() ? new JsonObject(o.toJson()) : was,
                            ar.succeeded() ? null : ar.cause().getMessage());
                        if (ar.failed()) {
                          if (ar.cause()
                              instanceof OverrideException e) { // the policy changed meanwhile
                            Replies.bad(
                                req.response(),
                                "BAD_OVERRIDE",
                                new BadInput(e.field(), e.getMessage()));
                          } else {
                            storageFailed(req, ar.cause());
                          }
                          return;
                        }
                        LOG.log(
                            Level.INFO,
                            "override of {0} set: {1}",
                            Sluice.fingerprintText(fp),
                            o.toJsonText());
                        Replies.json(req.response(), 200, new JsonObject(book.describe(o)));
                      });
            });
  }

  private static void storageFailed(HttpServerRequest req, Throwable cause) {
    LOG.log(Level.ERROR, "the override storage failed; the change was not made", cause);
    Replies.error(
        req.response(),
        500,
        "STORAGE_FAILED",
        "the override could not be stored, so it was not changed: " + cause.getMessage());
  }
}
