package dev.sluice.core.store;

import java.util.Map;
import java.util.function.Consumer;

/**
 * A small map of strings kept in a shared store ({@link SharedState#map}) and shared by every
 * instance on it, which tells each instance when another changes an entry: what the gateway keeps
 * its per-customer overrides in on a shared store, so a change made on one instance applies on all
 * of them at once.
 *
 * <p>A change notice carries only the entry's key; listeners read the entry again. A notice sent
 * while an instance was cut off from the store may be lost: callers that must not miss a change
 * re-read the whole map ({@link #getAll}) now and then.
 *
 * <p>Meant for a few thousand entries changed by people, not for the request path: every call may
 * block (up to the store's timeout, then {@link StoreUnavailableException}).
 */
public interface SharedMap extends AutoCloseable {

  /**
   * Every entry. A listener given to {@link #subscribe} is subscribed first if it is not yet (the
   * store was still connecting, or subscribing failed): whatever changes after this read is then
   * told.
   *
   * @throws StoreUnavailableException if the store cannot answer
   */
  Map<String, String> getAll();

  /**
   * The entry of {@code field}, or {@code null}.
   *
   * @throws StoreUnavailableException if the store cannot answer
   */
  String get(String field);

  /**
   * Sets an entry, then tells every instance.
   *
   * @throws StoreUnavailableException if the store cannot answer
   */
  void put(String field, String value);

  /**
   * Removes an entry (nothing if there is none), then tells every instance.
   *
   * @throws StoreUnavailableException if the store cannot answer
   */
  void remove(String field);

  /**
   * Calls {@code listener} with the field of every change made from now on, by any instance (this
   * one included), on a thread of the store's: it should be quick, or hand the work on. On a store
   * still connecting in the background, the subscription is made when it connects (changes made
   * before are not told: read them with {@link #getAll}, for instance from {@link #whenConnected}).
   *
   * @throws StoreUnavailableException if the store is connected but subscribing failed
   */
  void subscribe(Consumer<String> listener);

  /**
   * Runs {@code callback} once the store is connected: at once if it is, else when a store
   * connecting in the background first connects (callbacks in the order they were given, a
   * subscription made by {@link #subscribe} among them).
   */
  void whenConnected(Runnable callback);

  /** Stops the notices; the entries stay in the store. */
  @Override
  void close();
}
