package dev.sluice.core.http;

/**
 * Microseconds as the whole seconds that HTTP's rate-limit fields speak ({@code Retry-After},
 * {@code X-RateLimit-Reset}, the {@code t} and {@code w} of IETF {@code RateLimit}).
 *
 * <p>Always rounded up: a client that waits the seconds it is told, or comes back at the second it
 * is given, never arrives before the limit has room again.
 */
public final class Seconds {
  private Seconds() {}

  /**
   * {@code micros} in whole seconds, rounded up; 0 for 0 or less. For an instant in epoch
   * microseconds, the first whole epoch second at or after it.
   */
  public static long ceil(long micros) {
    return micros <= 0 ? 0 : micros / 1_000_000 + (micros % 1_000_000 == 0 ? 0 : 1);
  }
}
