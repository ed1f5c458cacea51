package dev.sluice.server.ops;

import dev.sluice.core.Ticker;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dashboard's sign-in sessions: what the {@code sluice_session} cookie names, kept in this
 * process's memory.
 *
 * <p>Implementation notes. A session id is 32 bytes from {@link SecureRandom} (256 bits, URL-safe
 * base64), opaque to the browser: it carries nothing but a name for a row here. The table is keyed
 * by the SHA-256 of the id, not the id, so neither a hash-table probe nor a string comparison
 * spends time in proportion to how much of a guess was right. A table was chosen over an
 * HMAC-signed cookie so that signing out ends the session here, not only in the browser that signed
 * out: a copied cookie stops working too. The price is that a restart signs everyone out, which for
 * a read-only page is a reload and a click.
 *
 * <p>Bounded: at most {@code capacity} sessions. A new one at a full table first drops the expired
 * ones, then the oldest (the map keeps creation order), so a flood of sign-ins with a valid token
 * costs memory for {@code capacity} rows at most and signs out the oldest browsers, never fails.
 */
final class Sessions {
  /** The cookie's name. */
  static final String COOKIE = "sluice_session";

  /** Who signed in: with which token. */
  enum Kind {
    ADMIN,
    VIEWER;

    String label() {
      return this == ADMIN ? "admin" : "viewer";
    }
  }

  /** A session: who, and until when (epoch micros). */
  record Session(Kind kind, long expiresAtMicros) {}

  private final Ticker clock;
  private final long ttlMicros;
  private final int capacity;
  private final SecureRandom random = new SecureRandom();
  private final LinkedHashMap<String, Session> byDigest = new LinkedHashMap<>();

  Sessions(Ticker clock, Duration ttl, int capacity) {
    this.clock = clock;
    this.ttlMicros = ttl.toNanos() / 1_000;
    this.capacity = capacity;
  }

  /** How long a session lasts, in seconds (the cookie's {@code Max-Age}). */
  long ttlSeconds() {
    return ttlMicros / 1_000_000;
  }

  /** A new session for {@code kind}; its id, for the cookie. */
  synchronized String create(Kind kind) {
    long now = clock.epochMicros();
    if (byDigest.size() >= capacity) {
      byDigest.values().removeIf(s -> s.expiresAtMicros <= now);
      Iterator<Map.Entry<String, Session>> oldest = byDigest.entrySet().iterator();
      while (byDigest.size() >= capacity && oldest.hasNext()) {
        oldest.next();
        oldest.remove();
      }
    }
    byte[] b = new byte[32];
    random.nextBytes(b);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    byDigest.put(digest(id), new Session(kind, now + ttlMicros));
    return id;
  }

  /** The live session {@code id} names, or {@code null} (none, unknown, or expired). */
  synchronized Session find(String id) {
    if (id == null || id.isEmpty() || id.length() > 100) {
      return null;
    }
    String key = digest(id);
    Session s = byDigest.get(key);
    if (s != null && s.expiresAtMicros <= clock.epochMicros()) {
      byDigest.remove(key);
      return null;
    }
    return s;
  }

  /** Ends session {@code id} (nothing if there is none). */
  synchronized void remove(String id) {
    if (id != null && id.length() <= 100) {
      byDigest.remove(digest(id));
    }
  }

  synchronized int size() {
    return byDigest.size();
  }

  private static String digest(String id) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
