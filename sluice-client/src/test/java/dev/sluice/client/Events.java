package dev.sluice.client;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A listener that writes down what it is told, one line per event. */
final class Events implements RateLimitListener {
  private final List<String> lines = new ArrayList<>();

  @Override
  public synchronized void onQuota(HttpRequest request, QuotaReading reading) {
    lines.add("quota " + reading.remaining().orElse(-1));
  }

  @Override
  public synchronized void onWait(HttpRequest request, Duration wait, WaitCause cause) {
    lines.add("wait " + wait + " " + cause);
  }

  @Override
  public synchronized void onRetry(HttpRequest request, int attempt, int status) {
    lines.add("retry " + attempt + " after " + status);
  }

  @Override
  public synchronized void onGiveUp(HttpRequest request, GiveUpException exception) {
    lines.add("give up " + exception.reason());
  }

  @Override
  public synchronized void onCacheHit(HttpRequest request, boolean revalidated) {
    lines.add(revalidated ? "cache revalidated" : "cache hit");
  }

  synchronized List<String> lines() {
    return List.copyOf(lines);
  }
}
