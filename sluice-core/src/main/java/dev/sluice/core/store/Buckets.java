package dev.sluice.core.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The bucket word layout and its spin lock, shared by every in-memory structure.
 *
 * <p>A bucket is a bare {@code long[]}: word 0 is the header, {@code expiry << 1 | locked}, where
 * {@code expiry} (epoch micros) is when the bucket's state stops mattering; then each limit's state
 * words. A header of {@code -1} marks a bucket a sweep has removed: whoever holds a reference to it
 * must look the key up again. The lock is taken with one CAS (acquire semantics) and released with
 * one release-store of the new header, which also publishes the state words written under it.
 */
final class Buckets {
  static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
  static final long DEAD = -1L;
  private static final int SPINS_BEFORE_YIELD = 64;
  private static final int MAX_BACKOFF = 256;

  private Buckets() {}

  /**
   * A new bucket: all state zero, expiring just after {@code now}, so a sweep running at this
   * instant leaves it to the charge that is creating it.
   */
  static long[] fresh(int words, long now) {
    long[] b = new long[words];
    b[0] = (now + 1) << 1;
    return b;
  }

  /**
   * Zeroes the state of a locked bucket whose expiry has passed. Meters already read expired state
   * as fresh; clearing it also guarantees that a bucket no sweep reached (a {@link Limiter}'s, or
   * one idle in a quiet store) can never alias an old window index.
   */
  static void clearIfExpired(long[] bucket, long now) {
    if ((bucket[0] >>> 1) <= now) {
      java.util.Arrays.fill(bucket, 1, bucket.length, 0L);
    }
  }

  /**
   * Locks {@code bucket}; returns {@code false} (without locking) if it is dead.
   *
   * <p>Test-and-test-and-set with bounded exponential back-off: a waiter reads the header until the
   * lock looks free and only then tries the CAS, and after each failed attempt waits twice as long
   * (up to {@value #MAX_BACKOFF} spin hints) before looking again. Without the back-off two cores
   * hammering one bucket pass its cache line back and forth several times per charge. After {@value
   * #SPINS_BEFORE_YIELD} rounds the waiter yields, in case the holder was descheduled.
   */
  static boolean lock(long[] bucket) {
    int backoff = 1;
    for (int rounds = 0; ; rounds++) {
      long header = (long) WORDS.getVolatile(bucket, 0);
      if (header == DEAD) {
        return false;
      }
      if ((header & 1) == 0 && WORDS.compareAndSet(bucket, 0, header, header | 1)) {
        return true;
      }
      if (rounds < SPINS_BEFORE_YIELD) {
        for (int i = 0; i < backoff; i++) {
          Thread.onSpinWait();
        }
        backoff = Math.min(backoff << 1, MAX_BACKOFF);
      } else {
        Thread.yield(); // the holder may be descheduled: let it run
      }
    }
  }

  /** The expiry of a bucket this thread has locked. */
  static long expiry(long[] bucket) {
    return bucket[0] >>> 1;
  }

  /** Unlocks, setting the expiry. */
  static void unlock(long[] bucket, long expiry) {
    WORDS.setRelease(bucket, 0, expiry << 1);
  }

  /**
   * Marks {@code bucket} dead if it is unlocked and expired at {@code now}; the caller then removes
   * it from its map.
   */
  static boolean tryKill(long[] bucket, long now) {
    long header = (long) WORDS.getVolatile(bucket, 0);
    return header != DEAD
        && (header & 1) == 0
        && (header >>> 1) <= now
        && WORDS.compareAndSet(bucket, 0, header, DEAD);
  }
}
