package dev.sluice.core;

import java.time.Instant;

/** Reads {@link Instant#now()} on every call. */
enum PreciseTicker implements Ticker {
  INSTANCE;

  @Override
  public long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
