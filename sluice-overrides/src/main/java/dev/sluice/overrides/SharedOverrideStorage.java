package dev.sluice.overrides;

import dev.sluice.core.Sluice;
import dev.sluice.core.store.SharedMap;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Overrides kept in a store shared by several gateways ({@code Store.shared()}, Redis's for one):
 * the shared map {@code overrides} (fingerprint to {@link StoredOverride#toJson()}, see {@link
 * SharedMap}), whose change notices reach every instance at once. An instance told of a change
 * reads that entry again and applies it (or its removal); one that was cut off from the store
 * re-reads them all when it starts. An entry that does not parse is skipped and logged, never
 * fatal: one bad entry must not stop a gateway.
 */
public final class SharedOverrideStorage implements OverrideStorage {
  private static final System.Logger LOG = System.getLogger("sluice.overrides");

  private final SharedMap map;

  /** Reads changed entries in the order their notices came, off the store's thread. */
  private final ExecutorService reader =
      Executors.newSingleThreadExecutor(
          task -> {
            Thread t = new Thread(task, "sluice-override-changes");
            t.setDaemon(true);
            return t;
          });

  /** Overrides in {@code map}, which this storage closes when it is closed. */
  public SharedOverrideStorage(SharedMap map) {
    this.map = map;
  }

  @Override
  public Map<Long, StoredOverride> loadAll() {
    Map<Long, StoredOverride> out = new HashMap<>();
    map.getAll()
        .forEach(
            (field, json) -> {
              StoredOverride o = parse(field, json);
              if (o != null) {
                out.put(o.fingerprint(), o);
              }
            });
    return out;
  }

  @Override
  public void put(StoredOverride override) {
    map.put(Sluice.fingerprintText(override.fingerprint()), override.toJsonText());
  }

  @Override
  public void delete(long fingerprint) {
    map.remove(Sluice.fingerprintText(fingerprint));
  }

  @Override
  public void subscribe(Consumer<Change> listener) {
    map.subscribe(
        field -> {
          long fingerprint;
          try {
            fingerprint = StoredOverride.parseFingerprint(field);
          } catch (IllegalArgumentException e) {
            LOG.log(
                Level.WARNING, "ignoring a change notice for ''{0}'': {1}", field, e.getMessage());
            return;
          }
          // Read off the store's thread: the notice arrives on it, and a blocking read there
          // could wait for itself.
          reader.execute(
              () -> {
                try {
                  String json = map.get(field);
                  listener.accept(
                      new Change(fingerprint, json == null ? null : parse(field, json)));
                } catch (RuntimeException e) {
                  LOG.log(
                      Level.WARNING,
                      "cannot read the changed override {0}: {1}",
                      field,
                      e.getMessage());
                }
              });
        });
  }

  @Override
  public void whenAvailable(Runnable callback) {
    map.whenConnected(callback);
  }

  private static StoredOverride parse(String field, String json) {
    try {
      return StoredOverride.fromJsonText(StoredOverride.parseFingerprint(field), json);
    } catch (IllegalArgumentException | ClassCastException e) {
      LOG.log(
          Level.WARNING, "skipping the override stored under ''{0}'': {1}", field, e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    reader.shutdownNow();
    map.close();
  }

  @Override
  public String toString() {
    return map + ", shared by every instance";
  }
}
