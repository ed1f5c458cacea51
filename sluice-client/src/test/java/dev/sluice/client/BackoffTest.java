package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
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

  @Property
  void fullJitter_isAlwaysWithinZeroAndTheCeiling(
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long ceiling,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double u) {
    long wait = Backoff.fullJitterNanos(ceiling, u);

    assertThat(wait).isBetween(0L, ceiling - 1);
  }

  @Property
  void ceiling_neverExceedsTheCap_andNeverShrinksWithRetries(
      @ForAll @IntRange(min = 1, max = 200) int retry,
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE / 2) long base,
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE / 2) long cap) {
    long c = Backoff.ceilingNanos(base, cap, retry);

    assertThat(c).isBetween(Math.min(base, cap), cap);
    assertThat(Backoff.ceilingNanos(base, cap, retry + 1)).isGreaterThanOrEqualTo(c);
  }

  @Test
  void durationsUsedInDocs_matchTheFormula() {
    // RetryPolicy's documented defaults: 1 s initial back-off, 60 s cap
    assertThat(Duration.ofNanos(Backoff.ceilingNanos(SECOND, 60 * SECOND, 3)))
        .isEqualTo(Duration.ofSeconds(4));
  }
}
