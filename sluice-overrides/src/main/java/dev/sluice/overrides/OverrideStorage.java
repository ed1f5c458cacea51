package dev.sluice.overrides;

import java.util.Map;
import java.util.function.Consumer;

/**
 * Where overrides are kept between restarts, and how one instance learns of another's changes.
 *
 * <p>An {@link OverrideBook} keeps its own copy of every override in memory and decides from that;
 * this is only read in full at start-up ({@link #loadAll}), written on each change made through it
 * ({@link #put}, {@link #delete}), and, for a store shared by several instances, listened to
 * ({@link #subscribe}) so a change made on one instance applies on all of them at once.
 *
 * <p>Implementations: {@link FileOverrideStorage} (one JSON file, for a store that shares nothing,
 * such as the in-memory one, where there is one instance); {@link SharedOverrideStorage} (a map
 * with change notices) for a store shared by several instances, such as Redis. Every method may
 * block (file or network I/O): front doors call them off their event loops.
 */
public interface OverrideStorage extends AutoCloseable {

  /**
   * A change made elsewhere.
   *
   * @param fingerprint whose override changed
   * @param override the new one, or {@code null} if it was deleted
   */
  record Change(long fingerprint, StoredOverride override) {}

  /** Every override kept, by fingerprint. */
  Map<Long, StoredOverride> loadAll();

  /**
   * Keeps {@code override} (replacing the one of the same fingerprint), durably, before returning.
   */
  void put(StoredOverride override);

  /** Forgets the override of {@code fingerprint}, durably; nothing if there is none. */
  void delete(long fingerprint);

  /**
   * Calls {@code listener} with every change made by another instance from now on (a storage that
   * only one instance uses may never call it). A change this instance made may be reported back
   * too: applying one twice does no harm.
   */
  void subscribe(Consumer<Change> listener);

  /**
   * Runs {@code callback} when the storage becomes reachable, if it was not when the book started
   * (a shared store still connecting in the background); a storage that is always reachable runs it
   * at once.
   */
  default void whenAvailable(Runnable callback) {
    callback.run();
  }

  @Override
  default void close() {}

  /** No storage: overrides last as long as the process. */
  static OverrideStorage none() {
    return new OverrideStorage() {
      @Override
      public Map<Long, StoredOverride> loadAll() {
        return Map.of();
      }

      @Override
      public void put(StoredOverride override) {}

      @Override
      public void delete(long fingerprint) {}

      @Override
      public void subscribe(Consumer<Change> listener) {}

      @Override
      public String toString() {
        return "memory only (lost on restart)";
      }
    };
  }
}
