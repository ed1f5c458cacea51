package dev.sluice.client;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** Calls the client's listeners, so that one throwing neither fails a request nor stops others. */
final class Notifier {
  private static final System.Logger LOG = System.getLogger("dev.sluice.client");

  private final List<RateLimitListener> listeners;

  Notifier(List<RateLimitListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  void quota(HttpRequest request, QuotaReading reading) {
    each(l -> l.onQuota(request, reading));
  }

  void waiting(HttpRequest request, long nanos, RateLimitListener.WaitCause cause) {
    if (nanos > 0) {
      Duration wait = Duration.ofNanos(nanos);
      each(l -> l.onWait(request, wait, cause));
    }
  }

  void retry(HttpRequest request, int attempt, int status) {
    each(l -> l.onRetry(request, attempt, status));
  }

  void giveUp(HttpRequest request, GiveUpException e) {
    each(l -> l.onGiveUp(request, e));
  }

  void cacheHit(HttpRequest request, boolean revalidated) {
    each(l -> l.onCacheHit(request, revalidated));
  }

  private void each(Consumer<RateLimitListener> call) {
    for (RateLimitListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "RateLimitListener " + l + " threw; ignored", e);
      }
    }
  }
}
