package dev.sluice.overrides;

import dev.sluice.core.KeyOverride;
import dev.sluice.core.Overrides;
import dev.sluice.core.Sluice;
import dev.sluice.core.Ticker;
import dev.sluice.core.policy.Durations;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.store.StoreUnavailableException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The overrides: what the operator set ({@link StoredOverride}, kept by an {@link OverrideStorage})
 * and what the engines apply (the shared {@link Overrides} table, made of {@link KeyOverride}s read
 * against the policy in force).
 *
 * <p>Writes go to the storage first and to the table after, so an override the API confirmed is
 * durable; one the storage refused never applies. A stored override the policy in force cannot take
 * (its tier or rule was removed from the policy) stays stored, does not apply, and says why ({@link
 * #problem}); a reload that fixes the policy brings it back ({@link #policyChanged}).
 */
public final class OverrideBook {
  private static final System.Logger LOG = System.getLogger("sluice.ops");
  private static final Set<String> FIELDS = Set.of("tier", "limits", "expires", "ttl");

  /** The latest expiry an override may have: far enough, and well inside epoch microseconds. */
  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  private final Supplier<Sluice> engine;
  private final Overrides table;
  private final OverrideStorage storage;
  private final Ticker clock;
  private final ConcurrentHashMap<Long, StoredOverride> stored = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, String> problems = new ConcurrentHashMap<>();

  /**
   * A book applying to {@code table} (the one every engine {@code engine} gives decides with), kept
   * by {@code storage}, whose expiries and {@code ttl}s are read on {@code clock}. Reads every
   * stored override now (later, if the storage is not reachable yet).
   */
  public OverrideBook(
      Supplier<Sluice> engine, Overrides table, OverrideStorage storage, Ticker clock) {
    this.engine = engine;
    this.table = table;
    this.storage = storage;
    this.clock = clock;
    // Subscribed before loading, and loaded under the lock a change takes: a change made by
    // another instance meanwhile is either in what is loaded, or applied after it, never lost
    // or undone by an older snapshot.
    storage.subscribe(this::changed);
    synchronized (this) {
      try {
        stored.putAll(storage.loadAll());
      } catch (StoreUnavailableException e) {
        // Redis down or still connecting: start without the stored overrides, and read them as
        // soon as it is reachable (and, failing that, at the periodic re-read every minute).
        LOG.log(
            Level.WARNING,
            "the stored overrides cannot be read now ({0}); they are read"
                + " again once {1} answers, and every minute",
            e.getMessage(),
            storage);
        storage.whenAvailable(this::resync);
      }
      policyChanged();
    }
  }

  /**
   * Reads every override from storage again and applies what it finds: a change notice this
   * instance missed (it was cut off from Redis when the change was published, or its read of the
   * changed entry failed) is caught up with here. Under the lock changes take, so a notice arriving
   * meanwhile is applied after the snapshot, never undone by it.
   */
  public synchronized void resync() {
    Map<Long, StoredOverride> all = storage.loadAll();
    stored.clear();
    stored.putAll(all);
    policyChanged();
  }

  /** Re-reads every stored override against the policy now in force. */
  public synchronized void policyChanged() {
    Policy policy = engine.get().policy();
    Map<Long, KeyOverride> applied = new HashMap<>();
    problems.clear();
    stored.forEach(
        (fp, o) -> {
          try {
            applied.put(fp, toKeyOverride(o, policy));
          } catch (OverrideException e) {
            problems.put(fp, e.field() + ": " + e.getMessage());
            LOG.log(
                Level.WARNING,
                "override {0} does not fit the policy in force and does not apply"
                    + " ({1}: {2}); fix it with PUT /admin/overrides/fp:{0}, or the policy",
                Sluice.fingerprintText(fp),
                e.field(),
                e.getMessage());
          }
        });
    table.replaceAll(applied);
  }

  /**
   * The fingerprint {@code identity} names: the raw value (an API key, token, e-mail or address),
   * hashed by {@code engine} and never kept, or a fingerprint written {@code fp:} and 16 hex
   * digits.
   *
   * @throws OverrideException naming {@code identity} if it is empty
   */
  public static long fingerprint(String identity, Sluice engine) {
    if (identity == null || identity.isEmpty()) {
      throw new OverrideException(
          "identity",
          "name an identity: its raw value (URL-encoded), or its"
              + " fingerprint as fp:<16 hex digits>");
    }
    if (identity.startsWith("fp:") && identity.length() == 19) {
      try {
        return StoredOverride.parseFingerprint(identity.substring(3));
      } catch (IllegalArgumentException e) {
        // not hex: a raw value that happens to start with fp:
      }
    }
    return engine.fingerprint(identity);
  }

  /** A change another instance made. */
  private synchronized void changed(OverrideStorage.Change c) {
    if (c.override() == null) {
      stored.remove(c.fingerprint());
      problems.remove(c.fingerprint());
      table.remove(c.fingerprint());
      return;
    }
    stored.put(c.fingerprint(), c.override());
    try {
      table.put(c.fingerprint(), toKeyOverride(c.override(), engine.get().policy()));
      problems.remove(c.fingerprint());
    } catch (OverrideException e) {
      problems.put(c.fingerprint(), e.field() + ": " + e.getMessage());
      table.remove(c.fingerprint());
    }
  }

  /**
   * Reads an override's body for {@code fingerprint} ({@code PUT /admin/overrides/...}, {@code POST
   * /actuator/sluice/overrides/...}), given as plain JSON values: {@code {"tier": ..., "limits":
   * {RULE: LIMITS}, "expires": INSTANT | "ttl": DURATION}}. A relative {@code ttl} is made absolute
   * on the book's clock. Checked against the policy in force; nothing is kept.
   *
   * @throws OverrideException naming the field at fault
   */
  public StoredOverride read(long fingerprint, Map<String, ?> body) {
    for (String f : body.keySet()) {
      if (!FIELDS.contains(f)) {
        throw new OverrideException(
            f,
            "unknown field '" + f + "'; an override takes tier, limits, and" + " expires or ttl");
      }
    }
    Object tierValue = body.get("tier");
    if (tierValue != null && !(tierValue instanceof String)) {
      throw new OverrideException("tier", "expected a tier's name, e.g. \"pro\"");
    }
    Object limitsValue = body.get("limits");
    if (limitsValue != null && !(limitsValue instanceof Map)) {
      throw new OverrideException(
          "limits", "expected limits by rule name, e.g." + " {\"search\": [\"500/minute\"]}");
    }
    @SuppressWarnings("unchecked") // a JSON object's keys are strings
    Map<String, Object> limits = limitsValue == null ? Map.of() : (Map<String, Object>) limitsValue;
    if (tierValue == null && limits.isEmpty()) {
      throw new OverrideException(
          "tier", "an override sets a tier, limits for some rules, or both");
    }
    Instant now = Instant.ofEpochSecond(0, clock.epochMicros() * 1_000);
    Instant expires = null;
    if (body.get("expires") != null && body.get("ttl") != null) {
      throw new OverrideException("ttl", "give expires or ttl, not both");
    }
    if (body.get("expires") != null) {
      try {
        expires = Instant.parse(String.valueOf(body.get("expires")));
      } catch (DateTimeParseException e) {
        throw new OverrideException(
            "expires",
            "expected an instant such as 2026-12-31T00:00:00Z, got '" + body.get("expires") + "'");
      }
      if (!expires.isAfter(now)) {
        throw new OverrideException(
            "expires", "'" + expires + "' is already past (it is " + now + ")");
      }
      if (expires.isAfter(LATEST)) {
        throw new OverrideException(
            "expires",
            "'"
                + expires
                + "' is too far away; the latest is "
                + LATEST
                + " (leave expires out for an override that never expires)");
      }
    } else if (body.get("ttl") != null) {
      Duration ttl;
      try {
        ttl = Durations.parse(String.valueOf(body.get("ttl")));
      } catch (ArithmeticException | java.time.DateTimeException e) { // digits past any duration
        ttl = null;
      }
      if (ttl == null || ttl.isNegative() || ttl.isZero()) {
        throw new OverrideException(
            "ttl", "expected a duration such as 7d, 12h or 30m, got '" + body.get("ttl") + "'");
      }
      if (ttl.compareTo(Duration.between(now, LATEST)) > 0) {
        throw new OverrideException(
            "ttl",
            "'"
                + body.get("ttl")
                + "' is too long; the latest expiry is "
                + LATEST
                + " (leave ttl out for an override that never expires)");
      }
      expires = now.plus(ttl);
    }
    StoredOverride o = new StoredOverride(fingerprint, (String) tierValue, limits, expires, now);
    toKeyOverride(o, engine.get().policy()); // refuses what the policy cannot take
    return o;
  }

  /**
   * The override {@code o} means under {@code policy}.
   *
   * @throws OverrideException naming the field that does not fit
   */
  static KeyOverride toKeyOverride(StoredOverride o, Policy policy) {
    if (o.tier() != null && !policy.tiers().containsKey(o.tier())) {
      throw new OverrideException(
          "tier",
          "the policy has no tier '"
              + o.tier()
              + "'"
              + (policy.tiers().isEmpty()
                  ? " (it defines none)"
                  : "; its tiers are " + String.join(", ", policy.tiers().keySet())));
    }
    Map<String, Object> given = o.limits();
    Map<String, List<Limit>> limits = new LinkedHashMap<>();
    for (String name : given.keySet()) {
      Rule rule = policy.rule(name);
      if (rule == null) {
        List<String> names = new ArrayList<>();
        policy.rules().forEach(r -> names.add(r.name()));
        throw new OverrideException(
            "limits." + name,
            "the policy has no rule '" + name + "'; its rules are " + String.join(", ", names));
      }
      Object value = given.get(name);
      String json =
          value instanceof String s
              ? Json.write(List.of(s))
              : value instanceof List || value instanceof Map
                  ? Json.write(value)
                  : String.valueOf(value);
      List<Limit> ls = OverrideLimits.read(rule, json);
      try {
        new KeyOverride(null, Map.of(name, ls), null).validate(policy);
      } catch (IllegalArgumentException e) {
        throw new OverrideException("limits." + name, e.getMessage());
      }
      limits.put(name, ls);
    }
    KeyOverride k = new KeyOverride(o.tier(), limits, o.expiresAt());
    try {
      k.validate(policy);
    } catch (IllegalArgumentException e) {
      throw new OverrideException(o.tier() != null ? "tier" : "limits", e.getMessage());
    }
    return k;
  }

  /** Keeps {@code o} and puts it in force. Blocks on the storage. */
  public synchronized void put(StoredOverride o) {
    KeyOverride k = toKeyOverride(o, engine.get().policy());
    storage.put(o);
    stored.put(o.fingerprint(), o);
    problems.remove(o.fingerprint());
    table.put(o.fingerprint(), k);
  }

  /** Forgets the override of {@code fingerprint}; whether there was one. Blocks on the storage. */
  public synchronized boolean delete(long fingerprint) {
    if (!stored.containsKey(fingerprint)) {
      return false;
    }
    storage.delete(fingerprint);
    stored.remove(fingerprint);
    problems.remove(fingerprint);
    table.remove(fingerprint);
    return true;
  }

  /** Forgets overrides that have expired; how many. Blocks on the storage. */
  public synchronized int purgeExpired() {
    long now = clock.epochMicros();
    int n = 0;
    for (StoredOverride o : List.copyOf(stored.values())) {
      if (o.expiredAt(now)) {
        delete(o.fingerprint());
        n++;
      }
    }
    return n;
  }

  /** The stored override of {@code fingerprint} (applying or not), or {@code null}. */
  public StoredOverride get(long fingerprint) {
    return stored.get(fingerprint);
  }

  /** Why the stored override of {@code fingerprint} does not apply, or {@code null}. */
  public String problem(long fingerprint) {
    return problems.get(fingerprint);
  }

  /** Whether it applies now (stored, fits the policy, not expired). */
  public boolean active(long fingerprint) {
    return table.get(fingerprint) != null;
  }

  /** Every stored override, by fingerprint. */
  public List<StoredOverride> all() {
    List<StoredOverride> all = new ArrayList<>(stored.values());
    all.sort((a, b) -> Long.compareUnsigned(a.fingerprint(), b.fingerprint()));
    return all;
  }

  /** How many overrides are stored. */
  public int size() {
    return stored.size();
  }

  /**
   * What a front door answers for {@code o}, as plain JSON values: {@code {"identity": FP, "tier":
   * ..., "limits": {...}, "expires": ..., "updated": ..., "active": BOOL, "problem": ...}}.
   */
  public Map<String, Object> describe(StoredOverride o) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("identity", Sluice.fingerprintText(o.fingerprint()));
    j.putAll(o.toJson());
    j.put("active", active(o.fingerprint()));
    String problem = problem(o.fingerprint());
    if (problem != null) {
      j.put("problem", problem);
    } else if (o.expiredAt(clock.epochMicros())) {
      j.put("problem", "expired");
    }
    return j;
  }
}
