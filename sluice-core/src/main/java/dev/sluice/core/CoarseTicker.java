package dev.sluice.core;

import java.util.concurrent.locks.LockSupport;

/**
 * A clock that a daemon thread refreshes about once a millisecond; reading it is one volatile load.
 * The value never decreases, even if the wall clock is stepped back (it then stands still until the
 * wall clock catches up), so windows never run backwards.
 */
final class CoarseTicker implements Ticker {
  static final CoarseTicker INSTANCE = new CoarseTicker();

  private static final long PERIOD_NANOS = 1_000_000L;

  private volatile long nowMicros;

  private CoarseTicker() {
    nowMicros = PreciseTicker.INSTANCE.epochMicros();
    Thread t = new Thread(this::run, "sluice-ticker");
    t.setDaemon(true);
    t.start();
  }

  private void run() {
    while (true) {
      LockSupport.parkNanos(PERIOD_NANOS);
      long now = PreciseTicker.INSTANCE.epochMicros();
      if (now > nowMicros) {
        nowMicros = now;
      }
    }
  }

  @Override
  public long epochMicros() {
    return nowMicros;
  }
}
