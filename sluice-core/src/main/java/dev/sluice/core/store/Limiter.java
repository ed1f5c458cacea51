package dev.sluice.core.store;

import dev.sluice.core.Ticker;
import dev.sluice.core.policy.Limit;
import java.util.List;
import java.util.Objects;

/**
 * One bucket of limits, in process: {@code tryAcquire()} answers yes or no. The unkeyed sibling of
 * {@link KeyedLimiter}, for a single shared resource (an outbound API quota, a worker pool). Same
 * math, same all-or-nothing charge of every limit, one {@code long[]} of state.
 */
public final class Limiter {
  private final BucketTable table;
  private final Ticker ticker;
  private final long[] bucket;

  private Limiter(Ticker ticker, List<Limit> limits) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.table = new BucketTable("limiter", limits);
    this.bucket = new long[table.words];
  }

  /** A limiter enforcing every one of {@code limits}, on the system ticker. */
  public static Limiter of(Limit... limits) {
    return new Limiter(Ticker.system(), BucketTable.limits(limits));
  }

  /** A limiter enforcing every one of {@code limits}, on {@code ticker}. */
  public static Limiter of(Ticker ticker, Limit... limits) {
    return new Limiter(ticker, BucketTable.limits(limits));
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
    if (units > Limit.MAX_PERMITS) { // no limit holds that many; and the meters' sums stay exact
      return false;
    }
    long now = ticker.epochMicros();
    Buckets.lock(bucket); // never dead: nothing sweeps a limiter's own bucket
    return table.chargeAndUnlock(bucket, units, now);
  }
}
