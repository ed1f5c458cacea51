package dev.sluice.core.store;

import dev.sluice.core.limit.Evaluation;
import dev.sluice.core.limit.Meter;
import dev.sluice.core.policy.Limit;
import java.util.List;
import java.util.Objects;

/**
 * The layout of the buckets of one set of limits: a bare {@code long[]} per key, laid out as {@link
 * Buckets} says, each limit's words where its {@link Meter} wants them; and the charge of one such
 * bucket. The index from keys to buckets is the owner's: a {@link LongBucketMap} in the store, a
 * {@code ConcurrentHashMap} in {@link KeyedLimiter}.
 */
final class BucketTable {
  final String name;
  final List<Limit> limits;
  final Meter[] meters;
  final int[] offsets;
  final int words;

  BucketTable(String name, List<Limit> limits) {
    this.name = Objects.requireNonNull(name);
    this.limits = List.copyOf(limits);
    if (this.limits.isEmpty()) {
      throw new IllegalArgumentException("at least one limit is needed");
    }
    this.meters = new Meter[this.limits.size()];
    this.offsets = new int[meters.length];
    int w = 1; // the header
    for (int i = 0; i < meters.length; i++) {
      meters[i] = Meter.of(this.limits.get(i));
      offsets[i] = w;
      w += meters[i].words();
    }
    this.words = w;
  }

  /** {@code limits} as a list, each of them named in the exception if null. */
  static List<Limit> limits(Limit... limits) {
    Objects.requireNonNull(limits, "limits");
    for (int i = 0; i < limits.length; i++) {
      Objects.requireNonNull(limits[i], "limits[" + i + "]");
    }
    return List.of(limits);
  }

  /**
   * Charges {@code cost} to every limit of the locked {@code bucket} if all of them can take it,
   * then unlocks it. The boolean fast path: no statuses, and no allocation once the JIT has
   * scalar-replaced the scratch evaluation.
   */
  boolean chargeAndUnlock(long[] bucket, long cost, long now) {
    Buckets.clearIfExpired(bucket, now);
    Evaluation e = new Evaluation();
    Meter[] ms = meters;
    if (ms.length == 1) {
      ms[0].evaluate(bucket, offsets[0], cost, now, e);
      if (e.allowed) {
        ms[0].commit(bucket, offsets[0], e);
        Buckets.unlock(bucket, Math.max(Buckets.expiry(bucket), e.expiresAt));
      } else {
        Buckets.unlock(bucket, Buckets.expiry(bucket));
      }
      return e.allowed;
    }
    long expiry = Buckets.expiry(bucket);
    if (words <= 5) {
      // Up to four state words: charge as we go and, if a later limit denies, put the saved
      // words back. One evaluation per limit, no allocation.
      long w1 = bucket[1];
      long w2 = words > 2 ? bucket[2] : 0;
      long w3 = words > 3 ? bucket[3] : 0;
      long w4 = words > 4 ? bucket[4] : 0;
      for (int j = 0; j < ms.length; j++) {
        ms[j].evaluate(bucket, offsets[j], cost, now, e);
        if (!e.allowed) {
          bucket[1] = w1;
          if (words > 2) {
            bucket[2] = w2;
          }
          if (words > 3) {
            bucket[3] = w3;
          }
          if (words > 4) {
            bucket[4] = w4;
          }
          Buckets.unlock(bucket, Buckets.expiry(bucket));
          return false;
        }
        ms[j].commit(bucket, offsets[j], e);
        expiry = Math.max(expiry, e.expiresAt);
      }
      Buckets.unlock(bucket, expiry);
      return true;
    }
    for (int j = 0; j < ms.length; j++) {
      ms[j].evaluate(bucket, offsets[j], cost, now, e);
      if (!e.allowed) {
        Buckets.unlock(bucket, expiry);
        return false;
      }
    }
    // Every limit passes. Evaluation is pure and each limit owns its words, so evaluating again
    // to obtain the new state is cheaper than keeping one scratch object per limit.
    for (int j = 0; j < ms.length; j++) {
      ms[j].evaluate(bucket, offsets[j], cost, now, e);
      ms[j].commit(bucket, offsets[j], e);
      expiry = Math.max(expiry, e.expiresAt);
    }
    Buckets.unlock(bucket, expiry);
    return true;
  }
}
