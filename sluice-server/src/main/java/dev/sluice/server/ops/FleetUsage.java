package dev.sluice.server.ops;

import dev.sluice.core.Ticker;
import dev.sluice.core.store.SharedMap;
import dev.sluice.core.store.SharedState;
import dev.sluice.core.store.StoreUnavailableException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The fleet's usage, for instances on a shared store (Redis): the usage report and the identities
 * closest to their limits summed over every instance, and which instances there are and which
 * policy each runs.
 *
 * <p>Implementation notes. Nothing here is on a request's path: decisions are counted in this
 * instance's memory as before ({@link UsageReport}, {@link NearLimits}), and every {@code every}
 * (10 s by default) the housekeeping thread <b>publishes</b> them to three shared maps:
 *
 * <ul>
 *   <li>{@code usage}: field {@code <hour start, epoch seconds>|<instance>}, value {@code {"as_of",
 *       "rows": [[identity, rule, shadow, allowed, denied], ...]}}, the hour's whole state, written
 *       again only for the hours counted in since the last publication. Overwriting (not adding)
 *       makes a repeated or retried publication harmless, and an instance's rows never mix with
 *       another's, so the sum over fields is exact;
 *   <li>{@code near}: field {@code <instance>}, value its 100 entries nearest to their limits, each
 *       with when it was seen;
 *   <li>{@code instances}: field {@code <instance>}, value a heartbeat: when it started, when it
 *       was last seen, and its policy's hash.
 * </ul>
 *
 * <p>The report ({@link #report}) reads the {@code usage} map when asked, after publishing this
 * instance's own counts, so it holds every request this instance answered before it was asked and
 * every other instance's up to its last publication: <b>at most {@code every} behind</b> (plus a
 * store round trip), and exact once the others have published. The dashboard's view ({@link #top},
 * {@link #instances}) reads nothing when asked: it shows the other instances as read at the last
 * publication, so up to twice {@code every} behind.
 *
 * <p>Bounds: per instance and hour, the report's rows per hour (1,000 by default) plus one {@code
 * other} row per rule; 100 near-limit entries per instance; one heartbeat per instance. Hours past
 * the retention and instances silent for an hour are removed by whichever instance publishes next.
 * An instance's identity is its host name, process id and a random suffix, so one restarted is a
 * new instance; the old one's hours stay in the report until they age out.
 */
final class FleetUsage implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("sluice.fleet");
  static final int NEAR_PER_INSTANCE = 100;
  private static final long HOUR_MICROS = 3_600_000_000L;
  private static final long FORGET_SILENT_MICROS = HOUR_MICROS;

  private final String instance;
  private final SharedMap usage;
  private final SharedMap near;
  private final SharedMap instances;
  private final UsageReport report;
  private final NearLimits nearLimits;
  private final Ticker clock;
  private final long everyMicros;
  private final long retentionMicros;
  private final Supplier<String> policyHash;
  private final long startedMicros;

  /** What the others published, as read at the last publication. */
  private volatile List<JsonObject> othersNear = List.of();

  private volatile List<JsonObject> heartbeats = List.of();
  private long lastFailureLogNanos;
  private int publications;

  FleetUsage(
      SharedState shared,
      UsageReport report,
      NearLimits nearLimits,
      Ticker clock,
      Duration every,
      Duration retention,
      Supplier<String> policyHash) {
    this.instance = newInstanceName();
    this.usage = shared.map("usage");
    this.near = shared.map("near");
    this.instances = shared.map("instances");
    this.report = report;
    this.nearLimits = nearLimits;
    this.clock = clock;
    this.everyMicros = every.toNanos() / 1_000;
    this.retentionMicros = retention.toNanos() / 1_000;
    this.policyHash = policyHash;
    this.startedMicros = clock.epochMicros();
  }

  /** This instance's name among the others. */
  String instance() {
    return instance;
  }

  /**
   * Publishes this instance's counts, near-limit entries and heartbeat, then reads the others'
   * near-limit entries and heartbeats. Blocks on the store.
   *
   * @throws StoreUnavailableException if the store does not answer (what was not published is
   *     published next time)
   */
  synchronized void publish() {
    long now = clock.epochMicros();
    Map<Long, JsonArray> changed = report.takeChanged();
    List<Long> left = new ArrayList<>(changed.keySet());
    try {
      for (Map.Entry<Long, JsonArray> e : changed.entrySet()) {
        usage.put(
            field(e.getKey()),
            new JsonObject()
                .put("as_of", Epoch.instant(now).toString())
                .put("rows", e.getValue())
                .encode());
        left.remove(e.getKey());
      }
    } finally {
      report.changedAgain(left);
    }
    JsonArray mine = new JsonArray();
    nearLimits.export(NEAR_PER_INSTANCE, now).forEach(mine::add);
    near.put(instance, mine.encode());
    instances.put(
        instance,
        new JsonObject()
            .put("instance", instance)
            .put("started", Epoch.instant(startedMicros).toString())
            .put("seen", now)
            .put("policy_hash", policyHash.get())
            .encode());
    readOthers(now);
    if (publications++ % 30 == 0) {
      forgetOld(now);
    }
  }

  /** {@link #publish} for the housekeeping thread: a failure is logged (at most every minute). */
  void publishQuietly() {
    try {
      publish();
    } catch (RuntimeException e) {
      long t = System.nanoTime();
      if (lastFailureLogNanos == 0 || t - lastFailureLogNanos > 60_000_000_000L) {
        lastFailureLogNanos = t;
        LOG.log(
            Level.WARNING,
            "publishing this instance''s usage to the fleet failed; will try again: {0}",
            e.getMessage());
      }
    }
  }

  private void readOthers(long now) {
    List<JsonObject> others = new ArrayList<>();
    near.getAll()
        .forEach(
            (who, json) -> {
              if (!who.equals(instance)) {
                try {
                  JsonArray a = new JsonArray(json);
                  for (int i = 0; i < a.size(); i++) {
                    others.add(a.getJsonObject(i).put("instance", who));
                  }
                } catch (RuntimeException e) {
                  LOG.log(Level.WARNING, "skipping {0}''s near-limit entries: {1}", who, e);
                }
              }
            });
    othersNear = List.copyOf(others);
    List<JsonObject> beats = new ArrayList<>();
    instances
        .getAll()
        .forEach(
            (who, json) -> {
              try {
                beats.add(new JsonObject(json));
              } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "skipping {0}''s heartbeat: {1}", who, e);
              }
            });
    beats.sort((a, b) -> a.getString("instance", "").compareTo(b.getString("instance", "")));
    heartbeats = List.copyOf(beats);
  }

  /** Removes hours past the retention, and instances silent for an hour. */
  private void forgetOld(long now) {
    for (String f : usage.getAll().keySet()) {
      long hour = hourOf(f);
      if (hour == Long.MIN_VALUE || hour + HOUR_MICROS < now - retentionMicros - HOUR_MICROS) {
        usage.remove(f);
      }
    }
    for (JsonObject beat : heartbeats) {
      String who = beat.getString("instance");
      if (who != null && now - beat.getLong("seen", 0L) > FORGET_SILENT_MICROS) {
        instances.remove(who);
        near.remove(who);
      }
    }
  }

  /**
   * The fleet's usage report: this instance's counts and every other's as last published. Blocks on
   * the store; publishes this instance's counts first.
   *
   * @throws StoreUnavailableException if the store does not answer
   */
  Report report(boolean day, Long fingerprint) {
    publish();
    long now = clock.epochMicros();
    List<UsageReport.HourRows> others = new ArrayList<>();
    Map<String, String> asOf = new java.util.TreeMap<>();
    asOf.put(instance, Epoch.instant(now).toString());
    usage
        .getAll()
        .forEach(
            (f, json) -> {
              int bar = f.indexOf('|');
              long hour = hourOf(f);
              if (bar < 0 || hour == Long.MIN_VALUE) {
                return;
              }
              String who = f.substring(bar + 1);
              if (who.equals(instance)) {
                return; // this instance's own hours come from its memory, up to the request
              }
              try {
                JsonObject o = new JsonObject(json);
                others.add(UsageReport.parse(hour, o.getJsonArray("rows")));
                asOf.merge(who, o.getString("as_of", ""), (a, b) -> a.compareTo(b) >= 0 ? a : b);
              } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "skipping the fleet usage entry {0}: {1}", f, e);
              }
            });
    return new Report(report.lines(day, fingerprint, now, others), asOf);
  }

  /** The fleet's report and, per instance that contributed, when it last published. */
  record Report(List<UsageReport.Line> lines, Map<String, String> asOf) {}

  /**
   * The fleet's {@code n} identities nearest their limits: this instance's now, others' as read.
   */
  List<JsonObject> top(int n, long nowMicros) {
    List<JsonObject> all = new ArrayList<>(othersNear);
    all.addAll(nearLimits.export(1_000, nowMicros));
    return NearLimits.merge(all, n, nowMicros);
  }

  /**
   * The instances on the store: name, policy hash, when last seen and whether live (seen within
   * three publications), as read at the last publication (this one's as it is now).
   */
  JsonArray instances(long nowMicros) {
    JsonArray out = new JsonArray();
    boolean self = false;
    for (JsonObject beat : heartbeats) {
      String who = beat.getString("instance");
      boolean me = instance.equals(who);
      self |= me;
      long seen = me ? nowMicros : beat.getLong("seen", 0L);
      out.add(
          new JsonObject()
              .put("instance", who)
              .put("policy_hash", me ? policyHash.get() : beat.getString("policy_hash"))
              .put("started", beat.getString("started"))
              .put("seen", Epoch.instant(seen).toString())
              .put("live", nowMicros - seen <= 3 * everyMicros)
              .put("self", me));
    }
    if (!self) {
      out.add(
          new JsonObject()
              .put("instance", instance)
              .put("policy_hash", policyHash.get())
              .put("started", Epoch.instant(startedMicros).toString())
              .put("seen", Epoch.instant(nowMicros).toString())
              .put("live", true)
              .put("self", true));
    }
    return out;
  }

  private String field(long hourMicros) {
    return Math.floorDiv(hourMicros, 1_000_000L) + "|" + instance;
  }

  /** The hour (epoch micros) a {@code usage} field names, or {@code Long.MIN_VALUE}. */
  private static long hourOf(String field) {
    int bar = field.indexOf('|');
    try {
      return bar < 0 ? Long.MIN_VALUE : Long.parseLong(field.substring(0, bar)) * 1_000_000L;
    } catch (NumberFormatException e) {
      return Long.MIN_VALUE;
    }
  }

  /** The host's name (letters, digits, {@code .-_} only), the process id, 4 random hex digits. */
  static String newInstanceName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException | SecurityException e) {
      host = "host";
    }
    host = host.replaceAll("[^A-Za-z0-9._-]", "_");
    if (host.length() > 64) {
      host = host.substring(0, 64);
    }
    byte[] r = new byte[2];
    new SecureRandom().nextBytes(r);
    return host + "-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(r);
  }

  @Override
  public void close() {
    usage.close();
    near.close();
    instances.close();
  }
}
