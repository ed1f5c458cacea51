package dev.sluice.core.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity secret of the instances on one shared store, kept in agreement ({@link
 * SharedState#identitySecret}): instances that hashed identities with different secrets would count
 * each client once per secret, silently.
 *
 * <p>Instances either share a secret the store keeps (the first instance makes it, the others read
 * it) or each bring their own ({@code SLUICE_IDENTITY_SECRET}), of which the store keeps only the
 * {@linkplain #fingerprint fingerprint}. {@link #check} compares what the store holds with this
 * instance's secret; an instance runs it at start-up (or once the store is first reachable) and
 * then every few seconds, which also covers the store losing what it held (restarted, flushed).
 * Then:
 *
 * <ul>
 *   <li>a shared secret that differs from this instance's is <b>adopted</b>: whatever the store
 *       holds wins, so every instance ends on the one secret it keeps ({@link Check#ADOPTED});
 *   <li>an own secret that differs from what the store holds (the others' fingerprint, or a shared
 *       secret) cannot be adopted: {@link Check#CONFLICT}, for the instance to refuse to start or
 *       to report itself unready.
 * </ul>
 */
public interface SharedSecret {

  /** What a {@link #check} found. */
  enum Check {
    /**
     * The store holds this instance's secret (or its fingerprint); on an instance's first check,
     * also when it takes the shared secret another instance made.
     */
    AGREES,
    /** The store held another shared secret, which this instance now uses ({@link #secret()}). */
    ADOPTED,
    /** The store holds another secret this instance cannot adopt: see {@link #problem()}. */
    CONFLICT
  }

  /**
   * Compares what the store holds with this instance's secret, writing this instance's where the
   * store has none, and adopts a shared secret that differs. Blocks for at most a few timeouts.
   *
   * @throws StoreUnavailableException if the store cannot answer, or holds something that is not a
   *     secret
   */
  Check check();

  /**
   * The secret this instance hashes identities with now (a copy): before the first {@link #check}
   * of a shared secret, only a proposal.
   */
  byte[] secret();

  /** Why the last {@link #check} found a {@link Check#CONFLICT}, or {@code null}. */
  String problem();

  /**
   * Runs {@code callback} once the store is first connected: now if it is, else when a store
   * connecting in the background connects. Reconnections are not reported: check periodically.
   */
  void whenConnected(Runnable callback);

  /**
   * The fingerprint of {@code secret}: 16 hex digits of a SHA-256, which do not reveal it. What a
   * store keeps of a secret an instance brings, and what messages show of one.
   */
  static String fingerprint(byte[] secret) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("sluice identity secret\n".getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(sha.digest(secret), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }
}
