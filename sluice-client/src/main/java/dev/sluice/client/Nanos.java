package dev.sluice.client;

import java.time.Duration;
import java.time.Instant;

/**
 * Saturating time arithmetic in nanoseconds. Servers can send any number; a {@code Duration} or
 * {@code Instant} built from one can overflow a {@code long} of nanoseconds, and an exception there
 * would let a hostile header crash a request. Here everything clamps instead.
 */
final class Nanos {
  private Nanos() {}

  /** {@code a + b}, clamped to the {@code long} range. */
  static long add(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  /** {@code d} in nanoseconds, clamped to the {@code long} range. */
  static long of(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** Nanoseconds from {@code from} to {@code to} (negative if {@code to} is earlier), clamped. */
  static long between(Instant from, Instant to) {
    return of(Duration.between(from, to));
  }

  /** {@code nanos} as a {@code Duration}; negative values become zero. */
  static Duration toDuration(long nanos) {
    return Duration.ofNanos(Math.max(0, nanos));
  }
}
