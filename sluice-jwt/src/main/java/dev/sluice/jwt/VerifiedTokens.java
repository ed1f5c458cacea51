package dev.sluice.jwt;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens verified lately, with the identity each carries, so a client sending the same token on
 * every request pays for one signature check (RS256 about 30 µs, ES256 more), not one per request.
 *
 * <p>Bounded by two generations of at most {@code capacity} tokens each: new entries go into the
 * young generation; when it is full, it becomes the old one and the old one is dropped whole. A
 * lookup that hits the old generation copies the entry into the young one, so tokens in use stay
 * while tokens no longer sent age out after two generations: an approximation of LRU without a list
 * to maintain on every hit. At most {@code 2 × capacity} tokens are held: with the default 10,000
 * and tokens of about 1 KB, some 20 MB at worst. Only tokens that verified are kept, so a flood of
 * forged tokens cannot fill it; a flood of genuine ones costs re-verification, never a wrong
 * answer. An entry is good until the earlier of the token's expiry and a short time to live (so a
 * key withdrawn from a JWKS stops counting within it).
 */
final class VerifiedTokens {
  /** A verified token's identity, and until when (epoch microseconds) it may be used. */
  record Entry(String identity, long validUntilMicros) {}

  private final int capacity;
  private volatile ConcurrentHashMap<String, Entry> young = new ConcurrentHashMap<>();
  private volatile ConcurrentHashMap<String, Entry> old = new ConcurrentHashMap<>();

  VerifiedTokens(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
  }

  /** The entry of {@code token} still valid at {@code nowMicros}, or {@code null}. */
  Entry get(String token, long nowMicros) {
    Entry e = young.get(token);
    if (e == null) {
      e = old.get(token);
      if (e != null && e.validUntilMicros() > nowMicros) {
        put(token, e);
      }
    }
    return e != null && e.validUntilMicros() > nowMicros ? e : null;
  }

  void put(String token, Entry entry) {
    ConcurrentHashMap<String, Entry> y = young;
    y.put(token, entry);
    if (y.size() >= capacity) {
      synchronized (this) {
        if (young == y) {
          old = y;
          young = new ConcurrentHashMap<>();
        }
      }
    }
  }

  /** How many tokens are held (both generations), for tests. */
  int size() {
    return young.size() + old.size();
  }
}
