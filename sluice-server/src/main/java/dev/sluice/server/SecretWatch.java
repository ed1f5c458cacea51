package dev.sluice.server;

import dev.sluice.core.store.SharedSecret;
import dev.sluice.core.store.StoreUnavailableException;
import dev.sluice.server.gateway.Engines;
import io.vertx.core.Future;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps a gateway on a shared store hashing identities with the secret the other instances use (see
 * {@link SharedSecret}): checks it every {@code every}, puts an adopted secret in force (a new
 * engine, the stored overrides read again), and reports a secret it cannot adopt as unreadiness.
 */
final class SecretWatch implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("sluice.gateway");

  private final SharedSecret shared;
  private final Engines engines;
  private final Runnable afterRekey;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "sluice-secret-watch");
            t.setDaemon(true);
            return t;
          });

  SecretWatch(SharedSecret shared, Engines engines, Runnable afterRekey, Duration every) {
    this.shared = shared;
    this.engines = engines;
    this.afterRekey = afterRekey;
    long ms = every.toMillis();
    timer.scheduleWithFixedDelay(this::checkQuietly, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Checks now; an adopted secret is in force when this returns. */
  SharedSecret.Check check() {
    SharedSecret.Check c = shared.check();
    if (c == SharedSecret.Check.ADOPTED) {
      engines.rekey(shared.secret());
      afterRekey.run();
    }
    return c;
  }

  private void checkQuietly() {
    try {
      check();
    } catch (StoreUnavailableException e) {
      // the store down: the readiness probe and the decisions say so; checked again next time
      LOG.log(Level.DEBUG, "cannot check the identity secret now: {0}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "checking the identity secret failed", e);
    }
  }

  /** {@code store}'s readiness, unless this instance's secret conflicts with the others'. */
  Future<String> readiness(Supplier<Future<String>> store) {
    String problem = shared.problem();
    if (problem != null) {
      return Future.failedFuture(new IllegalStateException(problem));
    }
    return store.get();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
