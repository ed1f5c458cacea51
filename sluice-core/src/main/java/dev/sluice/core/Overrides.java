package dev.sluice.core;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The overrides in force, by identity fingerprint ({@link Sluice#fingerprint}): the table the
 * engine reads on each request whose identity might have one. Thread-safe; changes apply to the
 * next request. Where they are kept between restarts (a file, Redis) is the caller's business: this
 * is the in-process view.
 *
 * <p>While the table is empty the engine does not look anything up, so a deployment without
 * overrides pays one volatile read per request.
 */
public final class Overrides {
  private final ConcurrentHashMap<Long, KeyOverride> byFingerprint = new ConcurrentHashMap<>();
  private final Ticker clock;
  private volatile boolean empty = true;

  /** An empty table whose expiries are judged by {@code clock}. */
  public Overrides(Ticker clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** An empty table on the system clock. */
  public Overrides() {
    this(Ticker.system());
  }

  /*
   * Writers take the table's lock, so that the empty flag always matches the map: unlocked, a
   * remove() that found the map empty could write its "empty" after a concurrent put() had
   * cleared it, and that put would stay invisible to the engine until the next change.
   */

  /** Sets (or replaces) the override of identity {@code fingerprint}. */
  public synchronized void put(long fingerprint, KeyOverride override) {
    byFingerprint.put(fingerprint, Objects.requireNonNull(override, "override"));
    empty = false;
  }

  /** Removes the override of {@code fingerprint}; returns it, or {@code null} if there was none. */
  public synchronized KeyOverride remove(long fingerprint) {
    KeyOverride o = byFingerprint.remove(fingerprint);
    empty = byFingerprint.isEmpty();
    return o;
  }

  /** Replaces every override at once (a reload from where they are kept). */
  public synchronized void replaceAll(Map<Long, KeyOverride> overrides) {
    Objects.requireNonNull(overrides, "overrides");
    overrides.forEach(
        (fingerprint, o) -> {
          Objects.requireNonNull(fingerprint, "overrides: a fingerprint");
          Objects.requireNonNull(
              o, "overrides: the override of " + Sluice.fingerprintText(fingerprint));
        });
    byFingerprint.keySet().retainAll(overrides.keySet());
    byFingerprint.putAll(overrides);
    empty = byFingerprint.isEmpty();
  }

  /** The override in force for {@code fingerprint} now, or {@code null} (none, or expired). */
  public KeyOverride get(long fingerprint) {
    if (empty) {
      return null;
    }
    KeyOverride o = byFingerprint.get(fingerprint);
    return o != null && o.appliesAt(clock.epochMicros()) ? o : null;
  }

  /** Every override, expired ones included (a copy). */
  public Map<Long, KeyOverride> snapshot() {
    return Map.copyOf(byFingerprint);
  }

  /** Forgets expired overrides; returns how many. */
  public synchronized int removeExpired() {
    long now = clock.epochMicros();
    int[] n = {0};
    byFingerprint
        .entrySet()
        .removeIf(
            e -> {
              boolean expired = !e.getValue().appliesAt(now);
              if (expired) {
                n[0]++;
              }
              return expired;
            });
    empty = byFingerprint.isEmpty();
    return n[0];
  }

  boolean isEmpty() {
    return empty;
  }
}
