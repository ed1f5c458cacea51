package dev.sluice.core.store;

import dev.sluice.core.Ticker;
import dev.sluice.core.limit.Evaluation;
import dev.sluice.core.limit.Meter;
import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.Limit;
import java.util.List;
import java.util.Objects;

/**
 * One bucket of limits, in process: {@code tryAcquire()} answers yes or no. The unkeyed sibling
 * of {@link KeyedLimiter}, for a single shared resource (an outbound API quota, a worker pool).
 * Same math, same all-or-nothing charge of every limit, one {@code long[]} of state.
 *
 * <p>A limiter of a single token bucket is lock-free: GCRA's whole state is one timestamp that
 * never aliases, so a charge is one compare-and-set of that word, retried if another thread got
 * there first. Under contention that moves the state's cache line between cores once or twice
 * per call, where the spin lock moves it several times. Other limiters lock their bucket, as the
 * store does.
 */
public final class Limiter {
  private final BucketTable table;
  private final Ticker ticker;
  private final long[] bucket;
  private final boolean lockFree;

  private Limiter(Ticker ticker, List<Limit> limits) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.table = new BucketTable("limiter", limits);
    this.bucket = new long[table.words];
    this.lockFree = limits.size() == 1 && limits.get(0).algorithm() == Algorithm.TOKEN_BUCKET;
  }

  /** A limiter enforcing every one of {@code limits}, on the system ticker. */
  public static Limiter of(Limit... limits) {
    return new Limiter(Ticker.system(), List.of(limits));
  }

  /** A limiter enforcing every one of {@code limits}, on {@code ticker}. */
  public static Limiter of(Ticker ticker, Limit... limits) {
    return new Limiter(ticker, List.of(limits));
  }

  /** Takes one unit from every limit if all have one; else takes none. */
  public boolean tryAcquire() {
    return tryAcquire(1);
  }

  /** Takes {@code units} from every limit if all can spare them; else takes none. */
  public boolean tryAcquire(long units) {
    if (units < 0) {
      throw new IllegalArgumentException("units must not be negative, got " + units);
    }
    long now = ticker.epochMicros();
    if (lockFree) {
      return casTokenBucket(units, now);
    }
    Buckets.lock(bucket); // never dead: nothing sweeps a limiter's own bucket
    return table.chargeAndUnlock(bucket, units, now);
  }

  private boolean casTokenBucket(long units, long now) {
    Meter gcra = table.meters[0];
    Evaluation e = new Evaluation();
    long[] seen = new long[1]; // the evaluated snapshot; scalar-replaced by the JIT
    while (true) {
      seen[0] = (long) Buckets.WORDS.getVolatile(bucket, 1);
      gcra.evaluate(seen, 0, units, now, e);
      if (!e.allowed) {
        return false;
      }
      if (Buckets.WORDS.compareAndSet(bucket, 1, seen[0], e.next0)) {
        return true;
      }
      Thread.onSpinWait();
    }
  }
}
