package dev.sluice.server.ops;

import java.time.Instant;

/** Epoch microseconds as the admin API shows them. */
final class Epoch {
  private Epoch() {}

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
  }
}
