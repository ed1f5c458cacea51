package dev.sluice.redis;

import dev.sluice.core.store.StoreUnavailableException;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The identity secret of the instances on one Redis, kept in agreement: instances that hashed
 * identities with different secrets would count each client once per secret, silently.
 *
 * <p>Two keys, under the store's prefix: {@code NAME} holds the secret itself (32 hex digits) when
 * the instances share the one Redis keeps ({@linkplain RedisStore#sharedSecret(String, byte[])
 * shared}); {@code NAME-fingerprint} holds a fingerprint of it (16 hex digits of a SHA-256) when
 * they bring their own ({@code SLUICE_IDENTITY_SECRET}, which must not be readable in Redis). Each
 * is written with {@code SET NX}, so of instances racing to write one, one wins and the others read
 * it.
 *
 * <p>{@link #check} compares what Redis holds with this instance's secret; an instance runs it at
 * start-up (or once Redis is first reachable) and then every few seconds, which also covers Redis
 * coming back after a restart (a {@code FLUSHALL} is no reconnection at all). Where a key vanished
 * (Redis restarted without persistence, flushed, or evicted it), the instance writes its own again
 * with {@code SET NX} and reads back what won. Then:
 *
 * <ul>
 *   <li>a shared secret that differs from this instance's is <b>adopted</b>: whatever Redis holds
 *       wins, so every instance ends on the one secret Redis keeps ({@link Check#ADOPTED});
 *   <li>an own secret that differs from what Redis holds (the other's fingerprint, or a shared
 *       secret) cannot be adopted: {@link Check#CONFLICT}, for the instance to refuse to start or
 *       to report itself unready.
 * </ul>
 */
public final class SharedSecret {
  private static final System.Logger LOG = System.getLogger(SharedSecret.class.getName());
  private static final HexFormat HEX = HexFormat.of();

  /** What a {@link #check} found. */
  public enum Check {
    /**
     * Redis holds this instance's secret (or its fingerprint); on an instance's first check, also
     * when it takes the shared secret another instance made.
     */
    AGREES,
    /** Redis held another shared secret, which this instance now uses ({@link #secret()}). */
    ADOPTED,
    /** Redis holds another secret this instance cannot adopt: see {@link #problem()}. */
    CONFLICT
  }

  private final Connection connection;
  private final String secretKey;
  private final String fingerprintKey;
  private final boolean own;
  private final Duration timeout;
  private volatile byte[] secret;
  private volatile String problem;

  /** Whether a check has read the shared secret (before that, {@link #secret} is a proposal). */
  private boolean settled;

  SharedSecret(Connection connection, String key, byte[] ownSecret, Duration timeout) {
    this.connection = connection;
    this.secretKey = key;
    this.fingerprintKey = key + "-fingerprint";
    this.own = ownSecret != null;
    this.timeout = timeout;
    if (ownSecret != null) {
      if (ownSecret.length != 16) {
        throw new IllegalArgumentException(
            "the identity secret must be 16 bytes, got " + ownSecret.length);
      }
      this.secret = ownSecret.clone();
    } else {
      byte[] fresh = new byte[16];
      new SecureRandom().nextBytes(fresh);
      this.secret = fresh; // replaced by what Redis holds at the first check
    }
  }

  /** The secret this instance hashes identities with now (a copy). */
  public byte[] secret() {
    return secret.clone();
  }

  /** Why the last {@link #check} found a {@link Check#CONFLICT}, or {@code null}. */
  public String problem() {
    return problem;
  }

  /** The fingerprint of {@code secret}: 16 hex digits of a SHA-256, which do not reveal it. */
  public static String fingerprint(byte[] secret) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("sluice identity secret\n".getBytes(StandardCharsets.US_ASCII));
      return HEX.formatHex(sha.digest(secret), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  /**
   * Compares what Redis holds with this instance's secret, writing this instance's where Redis has
   * none, and adopts a shared secret that differs. Blocks for at most a few timeouts.
   *
   * @throws StoreUnavailableException if Redis cannot answer, or holds something that is not a
   *     secret under the key
   */
  public synchronized Check check() {
    byte[] mine = secret;
    String mineFingerprint = fingerprint(mine);
    if (own) {
      String shared = get(secretKey);
      if (shared != null) {
        return conflict(
            "Redis holds a shared identity secret ("
                + secretKey
                + ", fingerprint "
                + fingerprint(parse(shared))
                + ") that the other instances use, and this one has its own from"
                + " SLUICE_IDENTITY_SECRET (fingerprint "
                + mineFingerprint
                + "): they would count every client apart. Give every instance the same"
                + " SLUICE_IDENTITY_SECRET (then delete "
                + secretKey
                + "), or none");
      }
      String stored = setThenGet(fingerprintKey, mineFingerprint);
      if (!stored.equals(mineFingerprint)) {
        return conflict(
            "this instance's SLUICE_IDENTITY_SECRET (fingerprint "
                + mineFingerprint
                + ") is not the one the other instances on this Redis use ("
                + fingerprintKey
                + " = "
                + stored
                + "): they would count every client apart. Give every instance the same secret;"
                + " if it was changed on purpose on all of them, delete "
                + fingerprintKey);
      }
      return agrees();
    }
    String otherFingerprint = get(fingerprintKey);
    if (otherFingerprint != null) {
      return conflict(
          "the other instances on this Redis bring their own identity secret"
              + " (SLUICE_IDENTITY_SECRET, fingerprint "
              + otherFingerprint
              + " in "
              + fingerprintKey
              + "), and this one has none: give it the same SLUICE_IDENTITY_SECRET");
    }
    byte[] stored = parse(setThenGet(secretKey, HEX.formatHex(mine)));
    if (Arrays.equals(stored, mine) || !settled) { // the first read: whatever is there is ours
      secret = stored;
      settled = true;
      return agrees();
    }
    secret = stored;
    problem = null;
    LOG.log(
        System.Logger.Level.WARNING,
        "the identity secret in Redis at {0} ({1}, fingerprint {2}) is not the one this instance"
            + " used (fingerprint {3}): Redis lost it (restarted, flushed, or evicted the key) and"
            + " another instance stored a new one first. Adopting it, so every instance hashes"
            + " clients alike; counts and overrides made under the old secret no longer apply",
        connection.target,
        secretKey,
        fingerprint(stored),
        mineFingerprint);
    return Check.ADOPTED;
  }

  private Check agrees() {
    if (problem != null) {
      LOG.log(
          System.Logger.Level.INFO,
          "the identity secret now agrees with the one in Redis at {0}",
          connection.target);
    }
    problem = null;
    return Check.AGREES;
  }

  private Check conflict(String why) {
    if (!why.equals(problem)) {
      LOG.log(System.Logger.Level.ERROR, why);
    }
    problem = why;
    return Check.CONFLICT;
  }

  /** {@code SET key value NX}, then what {@code key} holds (ours, or what another wrote first). */
  private String setThenGet(String key, String value) {
    await(connection.all().set(key, value, SetArgs.Builder.nx()));
    String stored = get(key);
    if (stored == null) {
      throw new StoreUnavailableException(
          key
              + " vanished from Redis at "
              + connection.target
              + " as it was written: is its maxmemory-policy evicting keys that have no TTL"
              + " (allkeys-*)? Use noeviction or a volatile-* policy");
    }
    return stored;
  }

  private String get(String key) {
    return await(connection.all().get(key));
  }

  private byte[] parse(String hex) {
    if (!hex.matches("[0-9a-fA-F]{32}")) { // the engine needs 16 bytes, and would throw
      throw new StoreUnavailableException(
          "the shared secret "
              + secretKey
              + " in Redis at "
              + connection.target
              + " is not 32 hex digits ("
              + hex.length()
              + " characters): something else wrote it. Delete it (every instance then counts"
              + " afresh), or set the secret yourself");
    }
    return HEX.parseHex(hex);
  }

  private <T> T await(CompletionStage<T> f) {
    try {
      return f.toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while reading " + secretKey, e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      throw new StoreUnavailableException(
          "cannot read the identity secret "
              + secretKey
              + " from Redis at "
              + connection.target
              + ": "
              + (e.getCause() != null ? e.getCause().getMessage() : e.toString()),
          e);
    }
  }

  /**
   * Runs {@code callback} once Redis is first connected: now if it is (a store connecting in the
   * background connects later). Reconnections are not reported: check periodically.
   */
  public void whenConnected(Runnable callback) {
    connection.whenConnected(callback);
  }
}
