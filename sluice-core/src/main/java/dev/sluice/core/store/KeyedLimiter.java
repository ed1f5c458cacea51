package dev.sluice.core.store;

import dev.sluice.core.Ticker;
import dev.sluice.core.policy.Limit;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Limits per key, in process: the in-memory store's buckets behind a {@code tryAcquire(key)} that
 * answers yes or no. For code that rate-limits its own work (per user, per tenant, per connection)
 * without policies or HTTP.
 *
 * <p>Every limit is charged together, all or nothing, exactly as the engine does; keys are used as
 * given (they are the caller's own, not raw client credentials, so they are not hashed), held until
 * their state no longer matters, and capped like {@link InMemoryStore}'s buckets.
 *
 * <pre>{@code
 * KeyedLimiter<String> perUser = KeyedLimiter.builder(
 *     Limit.fixed("minute", 100, Window.of(Duration.ofMinutes(1))),
 *     Limit.fixed("hour", 1000, Window.of(Duration.ofHours(1)))).build();
 * if (!perUser.tryAcquire(userId)) { reject(); }
 * }</pre>
 *
 * @param <K> the key type; keys need proper {@code equals} and {@code hashCode}
 */
public final class KeyedLimiter<K> {
  private final Keyspace keyspace;
  private final BucketTable table;
  private final ConcurrentHashMap<K, long[]> buckets = new ConcurrentHashMap<>();

  private KeyedLimiter(Keyspace keyspace, BucketTable table) {
    this.keyspace = keyspace;
    this.table = table;
    keyspace.add(this::sweep);
  }

  private int sweep(long now) {
    int removed = 0;
    for (var entry : buckets.entrySet()) {
      long[] b = entry.getValue();
      if (Buckets.tryKill(b, now) && buckets.remove(entry.getKey(), b)) {
        removed++;
      }
    }
    return removed;
  }

  /** A builder for a limiter enforcing every one of {@code limits} per key. */
  public static <K> Builder<K> builder(Limit... limits) {
    return new Builder<>(BucketTable.limits(limits));
  }

  /** Takes one unit from every limit of {@code key}'s bucket if all have one; else takes none. */
  public boolean tryAcquire(K key) {
    return tryAcquire(key, 1);
  }

  /**
   * Takes {@code units} from every limit of {@code key}'s bucket if all can spare them; else takes
   * none. Returns {@code false} also when the limiter is full and set to {@link WhenFull#REJECT}.
   */
  public boolean tryAcquire(K key, long units) {
    Objects.requireNonNull(key, "key");
    if (units < 0) {
      throw new IllegalArgumentException("units must not be negative, got " + units);
    }
    if (units > Limit.MAX_PERMITS) { // no limit holds that many; and the meters' sums stay exact
      return false;
    }
    long now = keyspace.ticker.epochMicros();
    while (true) {
      long[] bucket = keyspace.lookup(buckets, table.words, key, now);
      if (bucket == null) {
        return false;
      }
      if (Buckets.lock(bucket)) {
        return table.chargeAndUnlock(bucket, units, now);
      }
      // a sweep removed the bucket between lookup and lock: look again
    }
  }

  /** Keys currently tracked. */
  public long size() {
    return keyspace.live();
  }

  /** Forgets every expired key now, in the caller's thread. */
  public void sweep() {
    keyspace.sweepNow();
  }

  /** Configures a {@link KeyedLimiter}. */
  public static final class Builder<K> {
    private final List<Limit> limits;
    private final Keyspace.Settings settings = new Keyspace.Settings();

    private Builder(List<Limit> limits) {
      this.limits = limits;
    }

    /** The clock (default {@link Ticker#system()}). */
    public Builder<K> ticker(Ticker ticker) {
      settings.ticker(ticker);
      return this;
    }

    /** The cap on tracked keys (default 1,000,000). */
    public Builder<K> maxKeys(long maxKeys) {
      settings.maxBuckets(maxKeys);
      return this;
    }

    /**
     * What a new key gets at the cap (default {@link WhenFull#REJECT}).
     *
     * @throws IllegalArgumentException for {@link WhenFull#OVERFLOW}: a keyed limiter knows no
     *     client a key came from, so it has no overflow bucket to charge
     */
    public Builder<K> whenFull(WhenFull whenFull) {
      if (whenFull == WhenFull.OVERFLOW) {
        throw new IllegalArgumentException(
            "a KeyedLimiter has no overflow buckets (it does not know where a key comes from):"
                + " use REJECT or ADMIT_UNTRACKED");
      }
      settings.whenFull(whenFull);
      return this;
    }

    /** How often expired keys are swept (default 1 minute). */
    public Builder<K> sweepInterval(Duration interval) {
      settings.sweepInterval(interval);
      return this;
    }

    /** Where sweeps run (default the common fork-join pool). */
    public Builder<K> executor(Executor executor) {
      settings.executor(executor);
      return this;
    }

    /** The limiter. */
    public KeyedLimiter<K> build() {
      return new KeyedLimiter<>(
          new Keyspace(settings, WhenFull.REJECT), new BucketTable("keyed", limits));
    }
  }
}
