package dev.sluice.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.LimitKind;
import dev.sluice.core.store.MeterSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What each meter says of its limit besides the arithmetic: the description policy files and the
 * admin API show (also part of an override's store identity, so it must not change), the summary
 * {@code sluice check} prints, and the figures a remote store's script needs.
 */
class MeterWordsAndSpecTest {
  private static final Window SECOND = Window.of(Duration.ofSeconds(1));
  private static final Window FIFTEEN_MINUTES = Window.of(Duration.ofMinutes(15));

  /** A limit of each algorithm; a new algorithm does not compile here until it has one. */
  private static Limit sample(Algorithm a) {
    return switch (a) {
      case FIXED_WINDOW -> Limit.fixed("f", 1_500, Window.of(Duration.ofMinutes(1)));
      case SLIDING_WINDOW -> Limit.sliding("s", 5_000, FIFTEEN_MINUTES);
      case TOKEN_BUCKET -> Limit.tokenBucket("t", 7, SECOND, 2_000);
    };
  }

  private record Words(String description, String summary, MeterSpec spec) {}

  /** What the sample of each algorithm must say, as the releases before this one said it. */
  private static Words expected(Algorithm a) {
    return switch (a) {
      case FIXED_WINDOW ->
          new Words(
              "1500/minute",
              "1,500 per minute (fixed window)",
              new MeterSpec("f", 1_500, 60_000_000));
      case SLIDING_WINDOW ->
          new Words(
              "5000/15m sliding",
              "5,000 per 15 minutes (sliding window)",
              new MeterSpec("s", 5_000, 900_000_000));
      case TOKEN_BUCKET ->
          new Words(
              "7/second token-bucket burst 2000",
              "7 per second (token bucket, bursts of up to 2,000)",
              new MeterSpec("g", 2_000, 142_858));
    };
  }

  @Test
  void everyAlgorithmHasADescriptionASummaryAndStoreParameters() {
    for (Algorithm a : Algorithm.values()) {
      Limit l = sample(a);
      Words w = expected(a);

      assertThat(l.describe()).as("%s described", a).isEqualTo(w.description());
      assertThat(l.summary()).as("%s summarised", a).isEqualTo(w.summary());
      assertThat(MeterSpec.of(l)).as("%s for a store", a).isEqualTo(w.spec());
      assertThat(l).hasToString(l.name() + " " + w.description());
    }
  }

  @Test
  void aLifetimeBudget_isDescribedByItsRate_andSummarisedWithItsRetention() {
    Limit l = Limit.fixed("verify", 5, Window.lifetime(Duration.ofDays(30)));

    assertThat(Meter.of(l)).isInstanceOf(LifetimeBudget.class);
    assertThat(l.describe()).isEqualTo("5/lifetime");
    assertThat(l.summary())
        .isEqualTo("5 in total, never refilled (forgotten 30 days after first use)");
    assertThat(MeterSpec.of(l)).isEqualTo(new MeterSpec("l", 5, 2_592_000_000_000L));
  }

  @Test
  void aWindowWithoutAName_isSummarisedInWholeUnits_elseInMilliseconds() {
    assertThat(Limit.fixed("a", 70, Window.of(Duration.ofSeconds(90))).summary())
        .isEqualTo("70 per 90 seconds (fixed window)");
    assertThat(Limit.sliding("b", 1, Window.of(Duration.ofHours(36))).summary())
        .isEqualTo("1 per 36 hours (sliding window)");
    assertThat(Limit.fixed("c", 50, Window.of(Duration.ofMillis(250))).summary())
        .isEqualTo("50 per 250 ms (fixed window)");
    assertThat(Limit.fixed("d", 1, Window.of(Duration.ofDays(1))).summary())
        .isEqualTo("1 per day (fixed window)");
  }

  @Test
  void theTokenBucketsStoreInterval_isTheMetersOwnEmissionInterval() {
    long[][] rates = {{7, 1}, {10, 1}, {1_000_000, 1}, {3, 3_600}, {1, 86_400}};
    for (long[] r : rates) {
      Limit l = Limit.tokenBucket("t", r[0], Window.of(Duration.ofSeconds(r[1])), 5);
      Gcra g = (Gcra) Meter.of(l);
      long w = r[1] * 1_000_000;

      assertThat(MeterSpec.of(l).b())
          .as("%d per %d s", r[0], r[1])
          .isEqualTo(g.interval())
          .isEqualTo(Math.max(1, (w + r[0] - 1) / r[0]));
      assertThat(MeterSpec.of(l).a()).isEqualTo(5);
    }
  }

  @Test
  void everyAlgorithmIsExercisedByTheStoreContract() {
    for (Algorithm a : Algorithm.values()) {
      Limit l = LimitKind.exercising(a).of("x", 3, Duration.ofMinutes(1));

      assertThat(l.algorithm()).isEqualTo(a);
      assertThat(l.isLifetime()).isFalse();
    }
  }
}
