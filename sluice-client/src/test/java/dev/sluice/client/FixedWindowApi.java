package dev.sluice.client;

import dev.sluice.client.TestServer.Received;
import dev.sluice.client.TestServer.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A rate-limited API for test servers: a fixed window of {@code limit} requests per {@code window},
 * windows starting at {@code origin} (the epoch, for real time), answering as the IPTO and Convotic
 * rate-limit pages do: {@code X-RateLimit-Limit/Remaining/Reset} (reset in epoch seconds) on every
 * response, a 429 with {@code Retry-After} (whole seconds, rounded up) and a JSON body when the
 * window is spent. A refused request consumes nothing.
 */
final class FixedWindowApi implements Function<Received, Reply> {
  private final Supplier<Instant> clock;
  private final int limit;
  private final long windowMillis;
  private final long originMillis;
  private final Map<Long, Integer> admitted = new TreeMap<>();
  private int refused;

  FixedWindowApi(Supplier<Instant> clock, int limit, Duration window, Instant origin) {
    this.clock = clock;
    this.limit = limit;
    this.windowMillis = window.toMillis();
    this.originMillis = origin.toEpochMilli();
  }

  /** Uses up {@code n} of the current window, as other clients of the same key would. */
  synchronized void consume(int n) {
    admitted.merge(index(clock.get().toEpochMilli()), n, Integer::sum);
  }

  @Override
  public synchronized Reply apply(Received request) {
    long now = clock.get().toEpochMilli();
    long index = index(now);
    long endMillis = originMillis + (index + 1) * windowMillis;
    int used = admitted.getOrDefault(index, 0);
    Reply reply;
    if (used < limit) {
      admitted.put(index, ++used);
      reply = Reply.of(200).body("{\"ok\":true}");
    } else {
      refused++;
      long retryAfter = Math.max(1, -Math.floorDiv(-(endMillis - now), 1000));
      reply =
          Reply.of(429)
              .header("Retry-After", Long.toString(retryAfter))
              .body("{\"detail\": \"Rate limit exceeded\", \"retry_after\": " + retryAfter + "}");
    }
    return reply
        .header("X-RateLimit-Limit", Integer.toString(limit))
        .header("X-RateLimit-Remaining", Integer.toString(limit - used))
        .header("X-RateLimit-Reset", Long.toString(-Math.floorDiv(-endMillis, 1000)));
  }

  /** How many requests were refused with a 429. */
  synchronized int refused() {
    return refused;
  }

  /** Requests admitted per window, in window order. */
  synchronized Map<Long, Integer> admittedPerWindow() {
    return new TreeMap<>(admitted);
  }

  private long index(long millis) {
    return Math.floorDiv(millis - originMillis, windowMillis);
  }
}
