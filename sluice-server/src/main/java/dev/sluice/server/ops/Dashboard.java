package dev.sluice.server.ops;

import dev.sluice.core.Sluice;
import dev.sluice.core.Ticker;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.overrides.OverrideBook;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * {@code GET /dashboard}, one self-contained page (its CSS and script inlined from the jar's {@code
 * dev/sluice/server/dashboard/}; nothing is fetched from elsewhere, which its
 * Content-Security-Policy enforces), and {@code GET /admin/stats}, the JSON it polls every 2 s.
 */
final class Dashboard {
  private static final String RESOURCES = "/dev/sluice/server/dashboard/";
  static final int FAILED_SHOWN = 20;

  private final String page;
  private final String csp;
  private final Supplier<Sluice> engine;
  private final DecisionRates rates;
  private final NearLimits near;
  private final WebhookSender sender;
  private final Thresholds thresholds;
  private final OverrideBook book;
  private final Recorder recorder;
  private final Ticker clock;
  private final FleetUsage fleet; // null without a shared store
  private final Supplier<String> policyHash;

  Dashboard(
      Supplier<Sluice> engine,
      DecisionRates rates,
      NearLimits near,
      WebhookSender sender,
      Thresholds thresholds,
      OverrideBook book,
      Recorder recorder,
      Ticker clock,
      FleetUsage fleet,
      Supplier<String> policyHash) {
    this.fleet = fleet;
    this.policyHash = policyHash;
    this.engine = engine;
    this.rates = rates;
    this.near = near;
    this.sender = sender;
    this.thresholds = thresholds;
    this.book = book;
    this.recorder = recorder;
    this.clock = clock;
    String css = resource("dashboard.css");
    String js = resource("dashboard.js");
    this.page =
        resource("index.html")
            .replace(
                "<link rel=\"stylesheet\" href=\"dashboard.css\">", "<style>" + css + "</style>")
            .replace("<script src=\"dashboard.js\"></script>", "<script>" + js + "</script>");
    this.csp =
        "default-src 'none'; connect-src 'self'; img-src 'self' data:;"
            + " style-src '"
            + sha256(css)
            + "'; script-src '"
            + sha256(js)
            + "';"
            + " base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  }

  void page(HttpServerRequest req) {
    req.response()
        .putHeader("Content-Security-Policy", csp)
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
    Replies.text(req.response(), "text/html; charset=utf-8", page);
  }

  void stats(HttpServerRequest req, UsageApi usage) {
    usage.afterFlush(req, () -> Replies.json(req.response(), 200, stats()));
  }

  JsonObject stats() {
    long now = clock.epochMicros();
    Policy policy = engine.get().policy();
    JsonArray rules = new JsonArray();
    for (Rule r : policy.rules()) {
      rules.add(new JsonObject().put("name", r.name()).put("shadow", r.shadow()));
    }
    JsonArray top = new JsonArray();
    (fleet != null ? fleet.top(10, now) : near.top(10, now)).forEach(top::add);
    return new JsonObject()
        .put("time", Epoch.instant(now).toString())
        .put("rules", rules)
        .put("tiers", new JsonArray(java.util.List.copyOf(policy.tiers().keySet())))
        .put("rates", rates.toJson(now))
        .put("top", top)
        .put(
            "webhooks",
            sender
                .countsJson()
                .put("endpoints", policy.webhooks().size())
                .put("events", thresholds.events()))
        .put("deliveries", sender.recentJson())
        .put("webhooks_failed", sender.failedJson(FAILED_SHOWN))
        .put("overrides", book.size())
        .put("dropped_decisions", recorder.dropped())
        .put("table", table())
        .put("scope", fleet != null ? "fleet" : "instance")
        .put("policy_hash", policyHash.get())
        .put("instances", fleet != null ? fleet.instances(now) : null);
  }

  /** The in-memory table's fill and overflows, or {@code null} with a shared store. */
  private JsonObject table() {
    TableStats t = TableStats.of(engine.get().store());
    return t == null ? null : t.toJson();
  }

  private static String resource(String name) {
    try (InputStream in = Dashboard.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks " + RESOURCES + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return "sha256-" + Base64.getEncoder().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
