package dev.sluice.redis;

import dev.sluice.core.LimitStatus;
import dev.sluice.core.store.Verdict;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per instance, the requests Redis recently denied, each until its retry time: the optional near
 * cache of {@link RedisStore.Builder#nearCache}.
 *
 * <p><b>Why a repeat denial is exact.</b> A request is denied while any of its limits denies it,
 * and a limit that denied a cost keeps denying that cost until its retry time: until then usage
 * only grows (other instances can only charge more), and each meter's retry time is the first
 * instant at which the state as it stands would let the cost pass. So the request (same buckets,
 * same costs) stays denied until the latest retry time among the limits that denied it.
 *
 * <p><b>Clock.</b> That retry time is on Redis's clock. The entry converts it to this JVM's
 * monotonic clock from the instant the request was <em>sent</em>: Redis read its time after that,
 * so the estimate of Redis's time runs ahead of it, never behind, and the cache stops answering at
 * or before the true retry time. A repeated denial carries the figures of the one it repeats, with
 * its time moved on by the elapsed time.
 *
 * <p>Bounded: at most {@code maxEntries}; when full, expired entries are dropped and, if it is
 * still full, new denials are not remembered.
 */
final class NearCache {
  private final int maxEntries;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  NearCache(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  private record Entry(Verdict denial, long sentNanos, long untilNanos) {}

  private static String key(RedisStore.Plan plan) {
    StringBuilder s = new StringBuilder(plan.size * 48);
    for (int i = 0; i < plan.size; i++) {
      s.append(plan.keys[i]).append(' ').append(plan.costs[i]).append('\n');
    }
    return s.toString();
  }

  /** The denial to repeat for {@code plan}, or null to ask Redis. */
  Verdict get(RedisStore.Plan plan) {
    if (entries.isEmpty()) {
      return null;
    }
    String k = key(plan);
    Entry e = entries.get(k);
    if (e == null) {
      return null;
    }
    long now = System.nanoTime();
    if (now - e.untilNanos >= 0) {
      entries.remove(k, e);
      return null;
    }
    Verdict d = e.denial;
    return new Verdict(
        Verdict.Kind.DENIED, d.nowMicros() + (now - e.sentNanos) / 1_000, d.statuses());
  }

  /** Remembers {@code denial}, made by Redis for {@code plan} sent at {@code sentNanos}. */
  void put(RedisStore.Plan plan, Verdict denial, long sentNanos) {
    long until = 0;
    for (LimitStatus s : denial.statuses()) {
      if (!s.passed()) {
        until = Math.max(until, s.retryAtMicros());
      }
    }
    long wait = until - denial.nowMicros();
    if (wait <= 0) {
      return;
    }
    long untilNanos =
        wait >= Long.MAX_VALUE / 4_000 ? sentNanos + Long.MAX_VALUE / 4 : sentNanos + wait * 1_000;
    if (entries.size() >= maxEntries) {
      long now = System.nanoTime();
      entries.values().removeIf(e -> now - e.untilNanos >= 0);
      if (entries.size() >= maxEntries) {
        return;
      }
    }
    entries.put(key(plan), new Entry(denial, sentNanos, untilNanos));
  }

  int size() {
    return entries.size();
  }
}
