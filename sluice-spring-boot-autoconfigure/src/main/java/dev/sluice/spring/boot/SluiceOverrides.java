package dev.sluice.spring.boot;

import dev.sluice.core.Ticker;
import dev.sluice.overrides.OverrideBook;
import dev.sluice.overrides.OverrideException;
import dev.sluice.overrides.OverrideStorage;
import dev.sluice.overrides.StoredOverride;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Per-identity overrides, with the gateway's semantics ({@code /admin/overrides}): a tier of the
 * policy, limits of its own written as in the policy file, an expiry (absolute, or relative as a
 * {@code ttl}), applied from the next request on. Identities are given raw (an API key, token,
 * e-mail, user name) and kept only as fingerprints, or given as {@code fp:} and 16 hex digits.
 *
 * <p>Kept where the store says: in Redis's shared map {@code overrides} with a Redis store (a
 * change made on one instance applies on all of them at once), in {@code overrides.json} of {@code
 * sluice.state-dir} with the in-memory store, or only in memory without a state directory. Every
 * change is stored before it applies: one the storage refused never applies.
 *
 * <pre>{@code
 * @Autowired SluiceOverrides overrides;
 * overrides.put("key_live_42", Map.of("tier", "pro", "ttl", "30d"));
 * overrides.put("key_live_7", Map.of("limits", Map.of("search", List.of("500/minute"))));
 * }</pre>
 *
 * <p>The Actuator endpoint {@code sluice} is a view of it ({@code /actuator/sluice/overrides}).
 * Methods that change an override block on the storage (an fsync, a Redis round trip): call them
 * off an event loop.
 */
public final class SluiceOverrides implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("sluice.overrides");

  private final SluiceEngine engine;
  private final OverrideStorage storage;
  private final OverrideBook book;
  private final ScheduledExecutorService upkeep =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread t = new Thread(task, "sluice-overrides-upkeep");
            t.setDaemon(true);
            return t;
          });

  /**
   * Overrides of {@code engine}'s identities, kept by {@code storage} (closed with this), their
   * expiries read on {@code clock}. Reads what the storage holds now, and every minute (catching up
   * with a change notice missed while Redis was unreachable), when it also forgets expired ones.
   */
  SluiceOverrides(SluiceEngine engine, OverrideStorage storage, Ticker clock) {
    this.engine = engine;
    this.storage = storage;
    this.book = new OverrideBook(engine::current, engine.overrides(), storage, clock);
    engine.onPolicyChange(book::policyChanged);
    upkeep.scheduleWithFixedDelay(this::upkeep, 1, 1, TimeUnit.MINUTES);
  }

  /**
   * Sets {@code identity}'s override (replacing any), from the next request on: {@code override} is
   * the gateway's JSON body as plain values, {@code {"tier": NAME, "limits": {RULE: LIMITS},
   * "expires": "2026-12-31T00:00:00Z" | "ttl": "7d"}}.
   *
   * @return what is stored
   * @throws OverrideException naming the field at fault (the policy has no such tier or rule, a
   *     limit does not read, the expiry is past...)
   * @throws RuntimeException if the storage failed: the override was not changed
   */
  public StoredOverride put(String identity, Map<String, ?> override) {
    long fp = engine.fingerprint(identity);
    StoredOverride o = book.read(fp, override);
    book.put(o);
    LOG.log(Level.INFO, "override of {0} set: {1}", fp(fp), o.toJsonText());
    return o;
  }

  /** Moves {@code identity} to {@code tier} of the policy, for good, from the next request on. */
  public StoredOverride setTier(String identity, String tier) {
    return put(identity, Map.of("tier", tier));
  }

  /** {@code identity}'s stored override (in force, expired, or not fitting the policy), if any. */
  public Optional<StoredOverride> get(String identity) {
    return Optional.ofNullable(book.get(engine.fingerprint(identity)));
  }

  /** Removes {@code identity}'s override; whether it had one. Blocks on the storage. */
  public boolean remove(String identity) {
    long fp = engine.fingerprint(identity);
    boolean removed = book.delete(fp);
    if (removed) {
      LOG.log(Level.INFO, "override of {0} removed", fp(fp));
    }
    return removed;
  }

  /** Every stored override, by fingerprint. */
  public List<StoredOverride> all() {
    return book.all();
  }

  /**
   * {@code o} as the gateway's admin API shows it: {@code identity} (the fingerprint), {@code
   * tier}, {@code limits}, {@code expires}, {@code updated}, {@code active}, and {@code problem}
   * when it does not apply (expired, or a tier or rule the policy in force lacks).
   */
  public Map<String, Object> describe(StoredOverride o) {
    return book.describe(o);
  }

  /** Where the overrides are kept. */
  public String storage() {
    return storage.toString();
  }

  private void upkeep() {
    try {
      book.resync();
      int n = book.purgeExpired();
      if (n > 0) {
        LOG.log(Level.INFO, "{0} expired override(s) removed", n);
      }
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "re-reading the stored overrides failed; will try again in a minute: {0}",
          e.getMessage());
    }
  }

  private static String fp(long fingerprint) {
    return dev.sluice.core.Sluice.fingerprintText(fingerprint);
  }

  /** Stops the upkeep and closes the storage. */
  @Override
  public void close() {
    upkeep.shutdownNow();
    storage.close();
  }
}
