package dev.sluice.server.ops;

import java.time.Instant;

/** Epoch microseconds as the admin API shows them. */
final class Epoch {
  private Epoch() {}

  /** Whole epoch seconds, rounded up (as {@code X-RateLimit-Reset}). */
  static long seconds(long micros) {
    return micros <= 0 ? 0 : micros / 1_000_000 + (micros % 1_000_000 == 0 ? 0 : 1);
  }

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
  }
}
