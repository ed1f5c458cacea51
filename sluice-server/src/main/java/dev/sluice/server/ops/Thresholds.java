package dev.sluice.server.ops;

import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.Seconds;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Webhook;
import io.vertx.core.json.JsonObject;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

/**
 * Watches every bucket a decision touched for the policy's webhook thresholds, and hands a {@code
 * threshold.crossed} event to the {@link WebhookSender} when an identity's use of a limit reaches
 * one: {@code used = capacity - remaining}, and threshold {@code t} is reached when {@code used *
 * 100 >= t * capacity}.
 *
 * <p>Once per window: an event is remembered by (webhook, rule, limit, identity, threshold) until
 * the limit's reset time as it stood when the event fired (the end of the window for a fixed
 * window; when the bucket would be whole again for a sliding window or token bucket). Reaching the
 * same threshold again before then sends nothing; after it, it is a new window and a new event. The
 * memory is bounded ({@code capacity} entries): when it is full, entries whose reset has passed go
 * first, then the oldest; forgetting one early can only repeat an event, never lose one.
 *
 * <p>Runs on the recorder's thread only.
 */
final class Thresholds implements Recorder.Sink {
  private record Fired(String url, String rule, String limit, long fingerprint, int threshold) {}

  private final WebhookSender sender;
  private final int capacity;
  private final Map<Fired, Long> fired = new LinkedHashMap<>();
  private final LongAdder events = new LongAdder();

  Thresholds(WebhookSender sender, int capacity) {
    this.sender = sender;
    this.capacity = capacity;
  }

  @Override
  public void accept(Policy policy, Decision d, List<Decision.Bucket> buckets, long nowMicros) {
    List<Webhook> hooks = policy.webhooks();
    if (hooks.isEmpty() || buckets.isEmpty()) {
      return;
    }
    for (Decision.Bucket b : buckets) {
      for (Webhook w : hooks) {
        if (!w.covers(b.rule())) {
          continue;
        }
        for (LimitStatus s : b.limits()) {
          check(w, b, s, nowMicros);
        }
      }
    }
  }

  private void check(Webhook w, Decision.Bucket b, LimitStatus s, long nowMicros) {
    long capacity = s.limit().capacity();
    long used = Math.max(0, Math.min(capacity, capacity - s.remaining()));
    for (int t : w.thresholds()) {
      if (used * 100 < (long) t * capacity) {
        break; // thresholds ascend
      }
      Fired key = new Fired(w.url().toString(), b.rule(), s.limit().name(), b.fingerprint(), t);
      Long until = fired.get(key);
      if (until != null && until > nowMicros) {
        continue;
      }
      remember(key, Math.max(s.resetAtMicros(), nowMicros + 1), nowMicros);
      events.increment();
      JsonObject event =
          new JsonObject()
              .put("id", UUID.randomUUID().toString())
              .put("type", "threshold.crossed")
              .put("rule", b.rule())
              .put("limit", s.limit().name())
              .put("threshold", t)
              .put("used", used)
              .put("capacity", capacity)
              .put("remaining", s.remaining())
              .put("reset", Seconds.ceil(s.resetAtMicros()))
              .put("identity", Sluice.fingerprintText(b.fingerprint()))
              .put("tier", b.variant())
              .put("shadow", b.shadow())
              .put("time", Epoch.instant(nowMicros).toString());
      sender.submit(new WebhookSender.Delivery(w.url(), w.secretEnv(), event));
    }
  }

  private void remember(Fired key, long untilMicros, long nowMicros) {
    fired.remove(key); // re-inserted last: the map's order is oldest first
    if (fired.size() >= capacity) {
      // Down to nine tenths, not just one below: the scan is then paid once per tenth-of-capacity
      // insertions, however the identities churn.
      fired.values().removeIf(until -> until <= nowMicros);
      int target = capacity - Math.max(1, capacity / 10);
      for (Iterator<Fired> it = fired.keySet().iterator();
          fired.size() > target && it.hasNext(); ) {
        it.next();
        it.remove();
      }
    }
    fired.put(key, untilMicros);
  }

  /** Events handed to the sender so far. */
  long events() {
    return events.sum();
  }
}
