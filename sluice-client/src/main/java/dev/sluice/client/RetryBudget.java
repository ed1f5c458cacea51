package dev.sluice.client;

/**
 * A per-client retry budget: retries may be at most a set share of requests, plus a small reserve,
 * over a sliding window of {@link #WINDOW_SECONDS} seconds.
 *
 * <h2>Why</h2>
 *
 * Retries multiply load exactly when a server can least take it: if every request is retried three
 * times, an overloaded server sees four times the traffic. The Google SRE book ("Handling
 * Overload") caps retries per client at 10% of requests; Finagle's {@code RetryBudget} and gRPC's
 * retry throttling do the same with a reserve so that a quiet client can still retry its rare
 * failure. Here:
 *
 * <pre>
 *   a retry is allowed iff  retries + 1 &lt;= minPerSecond * WINDOW_SECONDS + ratio * requests
 * </pre>
 *
 * where {@code requests} (first attempts) and {@code retries} are counted over the last {@code
 * WINDOW_SECONDS} seconds. Worked example, ratio 0.1 and reserve 1/s: a client that sent 300
 * requests in the last 10 s may have made 10 + 30 = 40 retries in that time; under sustained 429s
 * the 41st is refused and the request fails with {@link GiveUpException.Reason#RETRY_BUDGET} at
 * once, instead of adding to the pile-up.
 *
 * <h2>Implementation</h2>
 *
 * Ten one-second buckets in a ring, each stamped with the second it counts; a stale bucket is
 * zeroed when its slot comes round. The window therefore slides in one-second steps (it covers
 * between 9 and 10 seconds), which is all a budget needs. Methods are {@code synchronized}: they
 * run once per request and once per retry, next to a network round trip, so a lock costs nothing
 * measurable and keeps the counts exact.
 */
final class RetryBudget {
  static final int WINDOW_SECONDS = 10;
  private static final long SECOND = 1_000_000_000L;

  private final double ratio;
  private final double reserve;
  private final long[] stamps = new long[WINDOW_SECONDS];
  private final long[] requests = new long[WINDOW_SECONDS];
  private final long[] retries = new long[WINDOW_SECONDS];

  /** A budget of {@code ratio} retries per request plus {@code minPerSecond} retries a second. */
  RetryBudget(double ratio, double minPerSecond) {
    this.ratio = ratio;
    this.reserve = minPerSecond * WINDOW_SECONDS;
    java.util.Arrays.fill(stamps, Long.MIN_VALUE / 2); // "long ago", without overflow below
  }

  /** Counts a first attempt made at {@code nowNanos}. */
  synchronized void onRequest(long nowNanos) {
    requests[slot(nowNanos)]++;
  }

  /** Takes one retry from the budget at {@code nowNanos}, or says there is none left. */
  synchronized boolean tryRetry(long nowNanos) {
    int current = slot(nowNanos);
    long second = Math.floorDiv(nowNanos, SECOND);
    long req = 0;
    long ret = 0;
    for (int i = 0; i < WINDOW_SECONDS; i++) {
      if (second - stamps[i] < WINDOW_SECONDS) {
        req += requests[i];
        ret += retries[i];
      }
    }
    if (ret + 1 > reserve + ratio * req) {
      return false;
    }
    retries[current]++;
    return true;
  }

  private int slot(long nowNanos) {
    long second = Math.floorDiv(nowNanos, SECOND);
    int i = Math.floorMod(second, WINDOW_SECONDS);
    if (stamps[i] != second) {
      stamps[i] = second;
      requests[i] = 0;
      retries[i] = 0;
    }
    return i;
  }
}
