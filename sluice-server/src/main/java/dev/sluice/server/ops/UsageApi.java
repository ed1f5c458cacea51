package dev.sluice.server.ops;

import dev.sluice.core.LimitStatus;
import dev.sluice.core.Sluice;
import dev.sluice.core.Ticker;
import dev.sluice.core.http.Seconds;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Rule;
import dev.sluice.overrides.OverrideBook;
import dev.sluice.overrides.StoredOverride;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code /admin/usage}: where one identity stands on every limit that applies to it ({@code
 * ?key=}), the identities nearest their limits ({@code /top}), and the hourly or daily report
 * ({@code /report}, JSON or CSV).
 */
final class UsageApi {
  static final int MAX_TOP = 1000;

  private final Supplier<Sluice> engine;
  private final OverrideBook book;
  private final NearLimits near;
  private final UsageReport report;
  private final Recorder recorder;
  private final Ticker clock;
  private final FleetUsage fleet; // null without a shared store

  UsageApi(
      Supplier<Sluice> engine,
      OverrideBook book,
      NearLimits near,
      UsageReport report,
      Recorder recorder,
      Ticker clock,
      FleetUsage fleet) {
    this.fleet = fleet;
    this.engine = engine;
    this.book = book;
    this.near = near;
    this.report = report;
    this.recorder = recorder;
    this.clock = clock;
  }

  void handle(HttpServerRequest req) {
    if (!Operations.only(req, "GET")) {
      return;
    }
    try {
      switch (req.path()) {
        case "/admin/usage" -> usage(req);
        case "/admin/usage/top" -> top(req);
        case "/admin/usage/report" -> report(req);
        default ->
            Replies.error(
                req.response(),
                404,
                "NOT_FOUND",
                "no such endpoint: "
                    + req.path()
                    + " (usage: /admin/usage?key=..., /admin/usage/top, /admin/usage/report)");
      }
    } catch (BadInput e) {
      Replies.bad(req.response(), "BAD_QUERY", e);
    }
  }

  private void usage(HttpServerRequest req) {
    Sluice sluice = engine.get();
    long fp = Identities.fingerprint(Identities.queryValue(req.query(), "key"), sluice, "key");
    Context context = Vertx.currentContext();
    Future.fromCompletionStage(sluice.usage(fp), context)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                Replies.error(
                    req.response(),
                    503,
                    "STORE_UNAVAILABLE",
                    "the store could not be read: " + ar.cause().getMessage());
                return;
              }
              JsonArray usage = new JsonArray();
              for (Sluice.Usage u : ar.result()) {
                Rule rule = sluice.policy().rule(u.rule());
                JsonArray limits = new JsonArray();
                for (LimitStatus s : u.limits()) {
                  limits.add(limit(s));
                }
                usage.add(
                    new JsonObject()
                        .put("rule", u.rule())
                        .put("source", u.source())
                        .put("tier", u.variant())
                        .put("shadow", rule != null && rule.shadow())
                        .put("limits", limits));
              }
              StoredOverride o = book.get(fp);
              Replies.json(
                  req.response(),
                  200,
                  new JsonObject()
                      .put("identity", Sluice.fingerprintText(fp))
                      .put("override", o == null ? null : book.describe(o))
                      .put("usage", usage));
            });
  }

  static JsonObject limit(LimitStatus s) {
    Limit l = s.limit();
    long capacity = l.capacity();
    return new JsonObject()
        .put("name", l.name())
        .put("limit", l.describe())
        .put("capacity", capacity)
        .put("used", Math.max(0, capacity - s.remaining()))
        .put("remaining", s.remaining())
        .put("reset", Seconds.ceil(s.resetAtMicros()));
  }

  private void top(HttpServerRequest req) {
    int n = intParam(req, "n", 20, 1, MAX_TOP);
    afterFlush(
        req,
        () -> {
          JsonArray top = new JsonArray();
          long now = clock.epochMicros();
          (fleet != null ? fleet.top(n, now) : near.top(n, now)).forEach(top::add);
          Replies.json(
              req.response(),
              200,
              new JsonObject().put("scope", fleet != null ? "fleet" : "instance").put("top", top));
        });
  }

  private void report(HttpServerRequest req) {
    String period = req.getParam("period", "hour");
    if (!period.equals("hour") && !period.equals("day")) {
      throw new BadInput("period", "period is hour or day, not '" + period + "'");
    }
    String format = req.getParam("format", "json");
    if (!format.equals("json") && !format.equals("csv")) {
      throw new BadInput("format", "format is json or csv, not '" + format + "'");
    }
    String scope = req.getParam("scope", fleet != null ? "fleet" : "instance");
    if (!scope.equals("fleet") && !scope.equals("instance")) {
      throw new BadInput("scope", "scope is fleet or instance, not '" + scope + "'");
    }
    if (scope.equals("fleet") && fleet == null) {
      throw new BadInput(
          "scope",
          "scope=fleet needs a shared store (--store redis://...): this instance's store is its"
              + " own, so its report is the instance's");
    }
    String key = Identities.queryValue(req.query(), "key");
    Long fp = key == null ? null : Identities.fingerprint(key, engine.get(), "key");
    boolean day = period.equals("day");
    if (scope.equals("fleet")) {
      Context context = Vertx.currentContext();
      afterFlush(
          req,
          () ->
              context
                  .owner()
                  .executeBlocking(() -> fleet.report(day, fp))
                  .onComplete(
                      ar -> {
                        if (ar.failed()) {
                          Replies.error(
                              req.response(),
                              503,
                              "STORE_UNAVAILABLE",
                              "the fleet's usage could not be read from the shared store ("
                                  + ar.cause().getMessage()
                                  + "); this instance's own report is at scope=instance");
                          return;
                        }
                        JsonObject instances = new JsonObject();
                        ar.result().asOf().forEach(instances::put);
                        answerReport(
                            req, period, format, fp, ar.result().lines(), "fleet", instances);
                      }));
      return;
    }
    afterFlush(
        req,
        () ->
            answerReport(
                req,
                period,
                format,
                fp,
                report.lines(day, fp, clock.epochMicros()),
                "instance",
                null));
  }

  private static void answerReport(
      HttpServerRequest req,
      String period,
      String format,
      Long fp,
      List<UsageReport.Line> lines,
      String scope,
      JsonObject instances) {
    if (format.equals("csv")) {
      req.response()
          .putHeader(
              "Content-Disposition", "attachment; filename=\"sluice-usage-" + period + ".csv\"");
      Replies.text(req.response(), "text/csv; charset=utf-8", UsageReport.csv(lines));
    } else {
      Replies.json(
          req.response(),
          200,
          new JsonObject()
              .put("period", period)
              .put("scope", scope)
              .put("instances", instances)
              .put("identity", fp == null ? null : Sluice.fingerprintText(fp))
              .put("other_folded", UsageReport.folded(lines))
              .put("rows", UsageReport.json(lines)));
    }
  }

  /** Runs {@code answer} on this request's context once the recorder has caught up. */
  void afterFlush(HttpServerRequest req, Runnable answer) {
    Context context = Vertx.currentContext();
    Future.fromCompletionStage(
            recorder.flush().orTimeout(2, java.util.concurrent.TimeUnit.SECONDS), context)
        .onComplete(ar -> answer.run());
  }

  static int intParam(HttpServerRequest req, String name, int dflt, int min, int max) {
    String v = req.getParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new BadInput(
        name, name + " is a whole number from " + min + " to " + max + ", not '" + v + "'");
  }
}
