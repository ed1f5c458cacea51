package dev.sluice.redis;

import dev.sluice.core.store.SharedSecret;
import dev.sluice.core.store.StoreUnavailableException;
import io.lettuce.core.SetArgs;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The identity secret of the instances on one Redis, kept in agreement (see {@link SharedSecret}
 * for what a check finds and does).
 *
 * <p>Two keys, under the store's prefix: {@code NAME} holds the secret itself (32 hex digits) when
 * the instances share the one Redis keeps; {@code NAME-fingerprint} holds its {@linkplain
 * SharedSecret#fingerprint fingerprint} when they bring their own ({@code SLUICE_IDENTITY_SECRET},
 * which must not be readable in Redis). Each is written with {@code SET NX}, so of instances racing
 * to write one, one wins and the others read it. Where a key vanished (Redis restarted without
 * persistence, flushed, or evicted it), a check writes this instance's again with {@code SET NX}
 * and reads back what won; a {@code FLUSHALL} is no reconnection at all, so only the periodic
 * checks see it.
 */
final class RedisSharedSecret implements SharedSecret {
  private static final System.Logger LOG = System.getLogger(RedisSharedSecret.class.getName());
  private static final HexFormat HEX = HexFormat.of();

  private final Connection connection;
  private final String secretKey;
  private final String fingerprintKey;
  private final boolean own;
  private final Duration timeout;
  private volatile byte[] secret;
  private volatile String problem;

  /** Whether a check has read the shared secret (before that, {@link #secret} is a proposal). */
  private boolean settled;

  RedisSharedSecret(Connection connection, String key, byte[] ownSecret, Duration timeout) {
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

  @Override
  public byte[] secret() {
    return secret.clone();
  }

  @Override
  public String problem() {
    return problem;
  }

  @Override
  public synchronized Check check() {
    byte[] mine = secret;
    String mineFingerprint = SharedSecret.fingerprint(mine);
    if (own) {
      String shared = get(secretKey);
      if (shared != null) {
        return conflict(
            "Redis holds a shared identity secret ("
                + secretKey
                + ", fingerprint "
                + SharedSecret.fingerprint(parse(shared))
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
        SharedSecret.fingerprint(stored),
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

  @Override
  public void whenConnected(Runnable callback) {
    connection.whenConnected(callback);
  }
}
