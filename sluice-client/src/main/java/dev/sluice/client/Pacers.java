package dev.sluice.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client's pacers, one per quota key. At most {@link #MAX_KEYS}: a key function that yields
 * ever new keys (one per path with ids in it, say) would otherwise grow without bound. The least
 * recently used pacer goes first; forgetting one costs only its knowledge (its next request goes
 * unpaced and its answer starts a fresh timeline).
 */
final class Pacers {
  static final int MAX_KEYS = 1024;

  private final long assumedWindowNanos;
  private final Map<String, Pacer> pacers =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Pacer> eldest) {
          return size() > MAX_KEYS;
        }
      };

  Pacers(long assumedWindowNanos) {
    this.assumedWindowNanos = assumedWindowNanos;
  }

  synchronized Pacer forKey(String key) {
    return pacers.computeIfAbsent(key == null ? "" : key, k -> new Pacer(assumedWindowNanos));
  }
}
