package dev.sluice.core.store;

/**
 * What a store shared by several instances shares besides buckets ({@link Store#shared()}): the
 * identity secret they must agree on, and small maps of strings that tell every instance of a
 * change (the gateway keeps its per-customer overrides in one). A store private to its process (the
 * in-memory store) has none; the gateway then keeps both in its state directory.
 *
 * <p>Names are the store's to place (sluice-redis puts them under its key prefix); the same name
 * gives every instance on the store the same secret or map.
 */
public interface SharedState {

  /**
   * The identity secret of the instances on this store, kept in agreement (see {@link
   * SharedSecret}): {@code own} if this instance brings one (the store keeps only its fingerprint,
   * never the secret), else the one the store keeps under {@code name}, made by the first instance
   * to ask. Nothing is read until the first {@link SharedSecret#check}.
   *
   * @param own 16 bytes, or {@code null} to share the one the store keeps
   * @throws IllegalArgumentException if {@code own} is not 16 bytes
   */
  SharedSecret identitySecret(String name, byte[] own);

  /**
   * The map {@code name} shared by every instance on this store, with change notification (see
   * {@link SharedMap}). Close it when done.
   */
  SharedMap map(String name);
}
