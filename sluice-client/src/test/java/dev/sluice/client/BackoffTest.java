package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Gen;
import dev.sluice.testing.Property;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void ceilings_doubleFromOneSecond_upToTheCap() {
    long[] ceilings =
        IntStream.rangeClosed(1, 8)
            .mapToLong(n -> Backoff.ceilingNanos(SECOND, 60 * SECOND, n) / SECOND)
            .toArray();

    assertThat(ceilings).containsExactly(1, 2, 4, 8, 16, 32, 60, 60);
  }

  @Test
  void ceiling_ofAbsurdRetryNumbers_isTheCap_notAnOverflow() {
    assertThat(Backoff.ceilingNanos(SECOND, 60 * SECOND, 64)).isEqualTo(60 * SECOND);
    assertThat(Backoff.ceilingNanos(SECOND, 60 * SECOND, Integer.MAX_VALUE)).isEqualTo(60 * SECOND);
    assertThat(Backoff.ceilingNanos(Long.MAX_VALUE, 60 * SECOND, 2)).isEqualTo(60 * SECOND);
  }

  @Test
  void fullJitter_spansZeroToJustBelowTheCeiling() {
    long ceiling = 4 * SECOND;

    assertThat(Backoff.fullJitterNanos(ceiling, 0.0)).isZero();
    assertThat(Backoff.fullJitterNanos(ceiling, 0.5)).isEqualTo(2 * SECOND);
    assertThat(Backoff.fullJitterNanos(ceiling, Math.nextDown(1.0))).isEqualTo(ceiling - 1);
  }

  @Test
  void fullJitter_clampsAMisbehavingRandomSource() {
    long ceiling = 4 * SECOND;

    assertThat(Backoff.fullJitterNanos(ceiling, 1.0)).isEqualTo(ceiling - 1);
    assertThat(Backoff.fullJitterNanos(ceiling, 7.0)).isEqualTo(ceiling - 1);
    assertThat(Backoff.fullJitterNanos(ceiling, -3.0)).isZero();
    assertThat(Backoff.fullJitterNanos(ceiling, Double.NaN)).isZero();
    assertThat(Backoff.fullJitterNanos(0, 0.5)).isZero();
  }

  record Jitter(long ceiling, double u) {}

  @Test
  void fullJitter_isAlwaysWithinZeroAndTheCeiling() {
    Gen<Long> ceilings = Gen.longs(1, Long.MAX_VALUE);
    Gen<Double> us = Gen.doubles(0, 1);
    Property.check(
        1000,
        s -> new Jitter(ceilings.next(s), us.next(s)),
        j -> {
          long wait = Backoff.fullJitterNanos(j.ceiling(), j.u());

          assertThat(wait).isBetween(0L, j.ceiling() - 1);
        });
  }

  record Retry(int retry, long base, long cap) {}

  @Test
  void ceiling_neverExceedsTheCap_andNeverShrinksWithRetries() {
    Gen<Integer> retries = Gen.ints(1, 200);
    Gen<Long> nanos = Gen.longs(1, Long.MAX_VALUE / 2);
    Property.check(
        1000,
        s -> new Retry(retries.next(s), nanos.next(s), nanos.next(s)),
        r -> {
          long c = Backoff.ceilingNanos(r.base(), r.cap(), r.retry());

          assertThat(c).isBetween(Math.min(r.base(), r.cap()), r.cap());
          assertThat(Backoff.ceilingNanos(r.base(), r.cap(), r.retry() + 1))
              .isGreaterThanOrEqualTo(c);
        });
  }

  @Test
  void durationsUsedInDocs_matchTheFormula() {
    // RetryPolicy's documented defaults: 1 s initial back-off, 60 s cap
    assertThat(Duration.ofNanos(Backoff.ceilingNanos(SECOND, 60 * SECOND, 3)))
        .isEqualTo(Duration.ofSeconds(4));
  }
}
