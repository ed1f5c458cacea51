package dev.sluice.server.ops;

import dev.sluice.core.Decision;
import dev.sluice.core.DecisionListener;
import dev.sluice.core.Overrides;
import dev.sluice.core.Sluice;
import dev.sluice.core.Ticker;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Webhook;
import dev.sluice.core.store.SharedState;
import dev.sluice.overrides.OverrideBook;
import dev.sluice.overrides.OverrideStorage;
import dev.sluice.overrides.StateDir;
import dev.sluice.overrides.StoredOverride;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the admin port offers operators beyond health and metrics: per-identity overrides (tiers and
 * limits of their own), usage, webhooks on thresholds, and the dashboard; and the token that guards
 * them.
 *
 * <p>It is a {@link DecisionListener} on every engine the gateway builds: each decision is handed
 * to {@link #onDecision}, which only enqueues it (see {@link Recorder}); the usage tables, the
 * dashboard's rates and the webhook triggers are kept up to date on one thread of their own, and
 * webhook deliveries go out on the HTTP client's threads. Nothing here runs on a request's path but
 * that enqueue.
 *
 * <p>Routes, all behind a credential (see {@link #admit}: the admin token for changes; the viewer
 * token or the dashboard's sign-in cookie for reading):
 *
 * <ul>
 *   <li>{@code GET /admin/overrides}, {@code GET|PUT|DELETE /admin/overrides/{identity}};
 *   <li>{@code GET /admin/usage?key=...}, {@code GET /admin/usage/top?n=20}, {@code GET
 *       /admin/usage/report?period=hour|day&format=json|csv[&key=...][&scope=fleet|instance]};
 *   <li>{@code GET /admin/webhooks}, {@code GET /admin/webhooks/failed}, {@code GET|DELETE
 *       /admin/webhooks/failed/{id}}, {@code POST /admin/webhooks/failed/{id}/resend} (see {@link
 *       WebhookApi});
 *   <li>{@code GET /admin/audit?limit=N}, the audit trail ({@link AuditLog});
 *   <li>{@code GET /admin/stats} (the dashboard's data), {@code GET /dashboard} and its sign-in.
 * </ul>
 *
 * <p>With a shared store ({@link Builder#shared}), the usage report and the near-limit table are
 * the fleet's ({@link FleetUsage}).
 */
public final class Operations implements DecisionListener, AutoCloseable {
  private static final System.Logger LOG = System.getLogger("sluice.ops");

  private final AdminToken token;
  private final AdminToken checkToken;
  private final boolean openCheck;
  private final Supplier<Sluice> engine;
  private final Function<String, String> secrets;
  private final OverrideStorage storage;
  private final OverrideBook book;
  private final Recorder recorder;
  private final WebhookSender sender;
  private final Thresholds thresholds;
  private final UsageReport report;
  private final OverrideApi overrideApi;
  private final UsageApi usageApi;
  private final WebhookApi webhookApi;
  private final Dashboard dashboard;
  private final AdminAccess access;
  private final AuditLog audit;
  private final FleetUsage fleet; // null without a shared store
  private final ScheduledExecutorService housekeeping;
  private final Ticker clock;

  private Operations(Builder b) {
    this.clock = b.clock;
    this.token = b.token != null ? b.token : AdminToken.generate();
    this.checkToken = b.checkToken;
    this.openCheck = b.openCheck;
    this.engine = b.engine;
    this.secrets = b.secrets;
    checkPolicy(engine.get().policy());
    this.storage = b.storage;
    this.book = new OverrideBook(engine, b.overrides, storage, b.clock);
    this.sender =
        new WebhookSender(
            b.clock,
            b.webhookTimer,
            secrets,
            b.webhookTimeout,
            new WebhookRetry(b.webhookRetryFor, b.webhookBackoff, b.webhookMaxBackoff),
            b.webhookQueue,
            b.webhookKeepFailed,
            b.webhookJournal);
    this.thresholds = new Thresholds(sender, 100_000);
    NearLimits near = new NearLimits(b.topCapacity);
    this.report = new UsageReport(b.usageRetention, b.reportRowsPerHour);
    DecisionRates rates = new DecisionRates();
    this.recorder =
        new Recorder(b.queueCapacity, b.clock, List.of(rates, near, report, thresholds));
    this.access = new AdminAccess(token, b.viewerToken, b.clock, b.sessionTtl);
    this.fleet =
        b.shared == null
            ? null
            : new FleetUsage(
                b.shared, report, near, b.clock, b.fleetEvery, b.usageRetention, b.policyHash);
    this.audit =
        new AuditLog(
            b.clock,
            b.auditCapacity,
            fleet != null ? fleet.instance() : FleetUsage.newInstanceName());
    this.overrideApi = new OverrideApi(book, engine, audit);
    this.usageApi = new UsageApi(engine, book, near, report, recorder, b.clock, fleet);
    this.webhookApi = new WebhookApi(sender);
    this.dashboard =
        new Dashboard(
            engine, rates, near, sender, thresholds, book, recorder, b.clock, fleet, b.policyHash);
    this.housekeeping =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sluice-ops-housekeeping");
              t.setDaemon(true);
              return t;
            });
    housekeeping.scheduleWithFixedDelay(this::purgeExpired, 60, 60, TimeUnit.SECONDS);
    housekeeping.scheduleWithFixedDelay(this::resync, 60, 60, TimeUnit.SECONDS);
    if (fleet != null) {
      long every = b.fleetEvery.toMillis();
      housekeeping.scheduleWithFixedDelay(
          () -> {
            recorder.flush().orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
            fleet.publishQuietly();
          },
          0,
          every,
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Operations for the engines {@code engine} gives (the one in force, which changes on a reload),
   * whose overrides table is {@code overrides}: the same table every engine was built with.
   */
  public static Builder builder(Supplier<Sluice> engine, Overrides overrides) {
    return new Builder(engine, overrides);
  }

  /** The admin token. */
  public AdminToken token() {
    return token;
  }

  /** Where overrides are kept, for people. */
  public String storageDescription() {
    return storage.toString();
  }

  /**
   * Lets {@code req}, to a path under {@code /admin} or {@code /dashboard}, through, or answers it
   * (see {@link AdminAccess}): the admin token in {@code Authorization: Bearer} opens everything;
   * the viewer token, or the dashboard's sign-in cookie, opens reading only ({@code GET}, {@code
   * HEAD}); the dashboard's sign-in and sign-out are answered here.
   *
   * @return whether the caller may go on
   */
  public boolean admit(HttpServerRequest req) {
    return access.admit(req, audit);
  }

  /** The viewer token, or {@code null} if there is none. */
  public AdminToken viewerToken() {
    return access.viewer();
  }

  /**
   * Records a policy reload in the audit trail.
   *
   * @param by what asked for it: {@code admin} (the admin API) or {@code signal} (SIGHUP)
   * @param before the hash of the policy in force before ({@code Engines.policyHash})
   * @param after the hash in force now (the same as {@code before} when refused)
   * @param error why it was refused, or {@code null}
   */
  public void policyReloaded(String by, String before, String after, String error) {
    audit.record("policy.reload", by, null, before, after, error);
  }

  /**
   * Whether {@code req} may use the decision API ({@code POST /v1/check}), which charges limits and
   * shows what remains of them: {@code Authorization: Bearer} with the admin token or the check
   * token, or anything at all if the operator opened it ({@link Builder#openCheck}). Both tokens
   * are compared in constant time.
   */
  public boolean checkAuthorized(HttpServerRequest req) {
    if (openCheck) {
      return true;
    }
    String authorization = req.getHeader("Authorization");
    // Both compared, whatever the first says: the time taken does not tell which token matched.
    boolean admin = token.acceptsHeader(authorization);
    boolean check = checkToken != null && checkToken.acceptsHeader(authorization);
    return admin | check;
  }

  /** Whether the decision API needs no token ({@link Builder#openCheck}). */
  public boolean checkOpen() {
    return openCheck;
  }

  /** The check token, or {@code null} if only the admin token opens the decision API. */
  public AdminToken checkToken() {
    return checkToken;
  }

  /** Whether this serves {@code path} (the caller has checked the token). */
  public static boolean serves(String path) {
    return path.equals("/dashboard")
        || path.equals("/admin/stats")
        || path.equals(OverrideApi.PREFIX)
        || path.startsWith(OverrideApi.PREFIX + "/")
        || path.equals("/admin/usage")
        || path.startsWith("/admin/usage/")
        || path.equals("/admin/audit")
        || path.equals(WebhookApi.PREFIX)
        || path.startsWith(WebhookApi.PREFIX + "/");
  }

  /** Answers {@code req}, one of the paths it {@link #serves}. */
  public void handle(HttpServerRequest req) {
    String path = req.path();
    if (path.startsWith(OverrideApi.PREFIX)) {
      overrideApi.handle(req, access.caller(req).label);
    } else if (path.equals("/admin/audit")) {
      if (only(req, "GET")) {
        try {
          int limit = UsageApi.intParam(req, "limit", 100, 1, AuditLog.MAX_LIMIT);
          Replies.json(req.response(), 200, new JsonObject().put("entries", audit.newest(limit)));
        } catch (BadInput e) {
          Replies.bad(req.response(), "BAD_QUERY", e);
        }
      }
    } else if (path.startsWith("/admin/usage")) {
      usageApi.handle(req);
    } else if (path.startsWith(WebhookApi.PREFIX)) {
      webhookApi.handle(req);
    } else if (path.equals("/admin/stats")) {
      if (only(req, "GET")) {
        dashboard.stats(req, usageApi);
      }
    } else if (only(req, "GET")) {
      dashboard.page(req);
    }
  }

  static boolean only(HttpServerRequest req, String method) {
    if (req.method().name().equals(method)
        || method.equals("GET") && req.method() == HttpMethod.HEAD) {
      return true;
    }
    req.response().putHeader("Allow", method);
    Replies.error(
        req.response(),
        405,
        "METHOD_NOT_ALLOWED",
        req.path() + " takes " + method + ", not " + req.method().name());
    return false;
  }

  /**
   * Hands {@code d}, decided by {@code engine}, over for reporting (usage, near-limit table,
   * webhooks, dashboard). Never blocks.
   */
  @Override
  public void onDecision(Sluice engine, Decision d, long elapsedNanos) {
    recorder.record(engine.policy(), d);
  }

  /**
   * Checks that {@code policy} can run here: every webhook's signing secret is set.
   *
   * @throws IllegalArgumentException saying which is missing and how to set it
   */
  public void checkPolicy(Policy policy) {
    List<String> problems = unsetSecrets(policy, secrets);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(problems.get(0));
    }
  }

  /**
   * What keeps {@code policy} from serving with these {@code secrets} (variable name to value, null
   * when unset): one message per webhook whose signing secret is unset or blank, saying how to set
   * it. The messages name variables, never their values. {@code sluice check} says the same.
   */
  public static List<String> unsetSecrets(Policy policy, Function<String, String> secrets) {
    List<String> problems = new java.util.ArrayList<>();
    for (Webhook w : policy.webhooks()) {
      String secret = secrets.apply(w.secretEnv());
      if (secret == null || secret.isBlank()) {
        problems.add(
            "webhook "
                + w.url()
                + " signs its events with the"
                + " secret in environment variable "
                + w.secretEnv()
                + ", which is not set; set it"
                + " (e.g. export "
                + w.secretEnv()
                + "=$(openssl rand -hex 32)) and share it with"
                + " the receiver, or remove the webhook from the policy");
      }
    }
    return problems;
  }

  /** The policy in force changed: stored overrides are read against it again. */
  public void policyChanged() {
    book.policyChanged();
  }

  /** Catches up with override changes this instance was not told of (see OverrideBook.resync). */
  /**
   * Reads every stored override again now (they are also re-read every minute): after the identity
   * secret changed, say, when what the storage holds was made under the new one.
   */
  public void resyncOverrides() {
    resync();
  }

  private void resync() {
    try {
      book.resync();
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "re-reading the stored overrides failed; will try again in a minute: {0}",
          e.getMessage());
    }
  }

  private void purgeExpired() {
    try {
      long now = clock.epochMicros();
      for (StoredOverride o : book.all()) {
        if (o.expiredAt(now)) {
          audit.record(
              "override.expire",
              "expiry",
              dev.sluice.core.Sluice.fingerprintText(o.fingerprint()),
              new JsonObject(o.toJson()),
              null,
              null);
        }
      }
      int n = book.purgeExpired();
      if (n > 0) {
        LOG.log(Level.INFO, "{0} expired override(s) removed", n);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "removing expired overrides failed; will try again in a minute", e);
    }
  }

  /** Decisions not reported because the recorder's queue was full. */
  public long droppedDecisions() {
    return recorder.dropped();
  }

  /** Webhook deliveries by how they ended. */
  public long webhooksDelivered() {
    return sender.delivered();
  }

  public long webhooksFailed() {
    return sender.failed();
  }

  public long webhooksDropped() {
    return sender.dropped();
  }

  /** Webhook attempts that failed and were scheduled again. */
  public long webhooksRetried() {
    return sender.retried();
  }

  /** Webhook events waiting for delivery. */
  public int webhookQueueDepth() {
    return sender.pending();
  }

  /** Webhook events failed for good and kept for a re-send. */
  public int webhooksFailedKept() {
    return sender.failedKept();
  }

  /** Overrides stored. */
  public int overrides() {
    return book.size();
  }

  /** Stops the recorder, the retries and the storage. */
  @Override
  public void close() {
    housekeeping.shutdownNow();
    recorder.close();
    sender.close();
    if (fleet != null) {
      fleet.publishQuietly(); // what was counted since the last publication stays in the report
      fleet.close();
    }
    storage.close();
  }

  /** Configures {@link Operations}. */
  public static final class Builder {
    private final Supplier<Sluice> engine;
    private final Overrides overrides;
    private Ticker clock = Ticker.system();
    private AdminToken token;
    private AdminToken checkToken;
    private boolean openCheck;
    private OverrideStorage storage = OverrideStorage.none();
    private Duration usageRetention = Duration.ofDays(7);
    private int reportRowsPerHour = 1_000;
    private int topCapacity = 10_000;
    private int queueCapacity = 65_536;
    private Function<String, String> secrets = System::getenv;
    private Duration webhookTimeout = Duration.ofSeconds(5);
    private Duration webhookBackoff = WebhookRetry.DEFAULT.first();
    private Duration webhookMaxBackoff = WebhookRetry.DEFAULT.maxInterval();
    private Duration webhookRetryFor = WebhookRetry.DEFAULT.retryFor();
    private int webhookQueue = 10_000;
    private int webhookKeepFailed = 1_000;
    private Path webhookJournal;
    private WebhookTimer webhookTimer;
    private AdminToken viewerToken;
    private Duration sessionTtl = Duration.ofHours(12);
    private int auditCapacity = 1_000;
    private SharedState shared;
    private Duration fleetEvery = Duration.ofSeconds(10);
    private Supplier<String> policyHash = () -> null;

    private Builder(Supplier<Sluice> engine, Overrides overrides) {
      this.engine = Objects.requireNonNull(engine, "engine");
      this.overrides = Objects.requireNonNull(overrides, "overrides");
    }

    /** The clock of expiries, reports and webhook times (default: the system's). */
    public Builder clock(Ticker clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The admin token (default: a random one). */
    public Builder token(AdminToken token) {
      this.token = Objects.requireNonNull(token, "token");
      return this;
    }

    /**
     * A token of its own for the decision API ({@code POST /v1/check}), besides the admin token
     * that also opens it: for the services that call it, which then need no admin rights.
     */
    public Builder checkToken(AdminToken checkToken) {
      this.checkToken = Objects.requireNonNull(checkToken, "checkToken");
      return this;
    }

    /**
     * Whether the decision API takes requests without a token (default {@code false}). Whoever
     * reaches the admin port can then charge any client's limits and read what remains of them.
     */
    public Builder openCheck(boolean openCheck) {
      this.openCheck = openCheck;
      return this;
    }

    /** Where overrides are kept (default: nowhere, they last as long as the process). */
    public Builder storage(OverrideStorage storage) {
      this.storage = Objects.requireNonNull(storage, "storage");
      return this;
    }

    /** How long the usage report keeps its hours (default 7 days). */
    public Builder usageRetention(Duration retention) {
      if (retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException(
            "the usage retention must be positive, got " + retention);
      }
      this.usageRetention = retention;
      return this;
    }

    /** Distinct (identity, rule) rows per hour before the rest are folded into {@code other}. */
    public Builder reportRowsPerHour(int rows) {
      this.reportRowsPerHour = positive(rows, "rows per hour");
      return this;
    }

    /** How many (rule, identity) pairs the near-limits table follows (default 10,000). */
    public Builder topCapacity(int entries) {
      this.topCapacity = positive(entries, "top capacity");
      return this;
    }

    /** Decisions that may wait to be reported before more are dropped (default 65,536). */
    public Builder queueCapacity(int decisions) {
      this.queueCapacity = positive(decisions, "queue capacity");
      return this;
    }

    /** Where webhook secrets are looked up by variable name (default: the environment). */
    public Builder secrets(Function<String, String> secrets) {
      this.secrets = Objects.requireNonNull(secrets, "secrets");
      return this;
    }

    /**
     * The shortest wait between two attempts of a webhook delivery (default 1 s); the waits then
     * grow with the event's age, with jitter (see {@code docs/operations.md}).
     */
    public Builder webhookBackoff(Duration first) {
      this.webhookBackoff = Objects.requireNonNull(first, "first");
      return this;
    }

    /** The longest wait between two attempts of a webhook delivery (default 10 min). */
    public Builder webhookMaxBackoff(Duration max) {
      this.webhookMaxBackoff = Objects.requireNonNull(max, "max");
      return this;
    }

    /**
     * How long after an event was made its delivery is still tried (default 24 h); after that it is
     * failed for good, and listed for a re-send.
     */
    public Builder webhookRetryFor(Duration retryFor) {
      this.webhookRetryFor = Objects.requireNonNull(retryFor, "retryFor");
      return this;
    }

    /** How long one delivery attempt may take (default 5 s). */
    public Builder webhookTimeout(Duration timeout) {
      this.webhookTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Webhook events that may wait for delivery (default 10,000); a new event beyond that pushes
     * the oldest out.
     */
    public Builder webhookQueue(int events) {
      this.webhookQueue = positive(events, "webhook queue");
      return this;
    }

    /** Webhook events failed for good kept for a re-send (default 1,000; the oldest go first). */
    public Builder webhookKeepFailed(int events) {
      this.webhookKeepFailed = positive(events, "failed webhook events kept");
      return this;
    }

    /**
     * The file where the webhook queue is kept across restarts (usually {@code webhooks.journal} in
     * the state directory, see {@link StateDir#webhooksFile}); default none: the queue is in memory
     * only.
     */
    public Builder webhookJournal(Path file) {
      this.webhookJournal = Objects.requireNonNull(file, "file");
      return this;
    }

    /** What runs webhook retries when due (default: a scheduled executor on the system clock). */
    public Builder webhookTimer(WebhookTimer timer) {
      this.webhookTimer = Objects.requireNonNull(timer, "timer");
      return this;
    }

    /**
     * A read-only token: it opens the dashboard and every {@code GET} under {@code /admin}, never a
     * change (403). Must differ from the admin token.
     */
    public Builder viewerToken(AdminToken viewerToken) {
      this.viewerToken = Objects.requireNonNull(viewerToken, "viewerToken");
      return this;
    }

    /** How long a dashboard sign-in lasts (default 12 hours). */
    public Builder sessionTtl(Duration ttl) {
      if (ttl.compareTo(Duration.ofMinutes(1)) < 0 || ttl.compareTo(Duration.ofDays(30)) > 0) {
        throw new IllegalArgumentException(
            "a dashboard session lasts from 1 minute to 30 days, got " + ttl);
      }
      this.sessionTtl = ttl;
      return this;
    }

    /** How many audit entries {@code GET /admin/audit} can list (default 1,000). */
    public Builder auditCapacity(int entries) {
      this.auditCapacity = positive(entries, "audit capacity");
      return this;
    }

    /**
     * The shared store's state, for the fleet's usage (every instance's counts in the report and
     * the dashboard) and the list of instances; default none (this instance's own figures).
     */
    public Builder shared(SharedState shared) {
      this.shared = Objects.requireNonNull(shared, "shared");
      return this;
    }

    /** How often this instance publishes its usage to the fleet (default 10 s). */
    public Builder fleetEvery(Duration every) {
      if (every.toMillis() < 10) {
        throw new IllegalArgumentException("the fleet's publication interval is at least 10 ms");
      }
      this.fleetEvery = every;
      return this;
    }

    /** The hash of the policy file in force, for the dashboard and the fleet's list. */
    public Builder policyHash(Supplier<String> policyHash) {
      this.policyHash = Objects.requireNonNull(policyHash, "policyHash");
      return this;
    }

    private static int positive(int n, String what) {
      if (n < 1) {
        throw new IllegalArgumentException(what + " must be at least 1, got " + n);
      }
      return n;
    }

    /**
     * Loads the stored overrides into the table and starts reporting.
     *
     * @throws IllegalArgumentException if a webhook's secret is not set ({@link #checkPolicy}), or
     *     the webhook retry settings do not fit together
     * @throws java.io.UncheckedIOException if the webhook journal cannot be read or rewritten
     */
    public Operations build() {
      if (viewerToken != null && token != null && token.accepts(viewerToken.value())) {
        throw new IllegalArgumentException(
            "the viewer token is the admin token: give it a value of its own, or it would open"
                + " changes too");
      }
      return new Operations(this);
    }
  }
}
