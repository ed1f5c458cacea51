package dev.sluice.core.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The worked examples of each algorithm's implementation note, number for number. */
class MeterExamplesTest {
  private static final Window MINUTE = Window.of(Duration.ofMinutes(1));

  private static long at(String instant) {
    Instant i = Instant.parse(instant);
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
  }

  private static Evaluation chargeOk(MeterDriver d, long now, long cost) {
    Evaluation e = d.evaluate(now, cost);
    assertThat(e.allowed).as("cost %d at %d", cost, now).isTrue();
    d.commit(e);
    return e;
  }

  @Test
  void fixedWindow_fullAt45s_deniedUntilTheMinuteTurns() {
    MeterDriver d = new MeterDriver(Limit.fixed("minute", 100, MINUTE));
    chargeOk(d, at("2024-03-01T12:00:01Z"), 100);

    Evaluation e = d.evaluate(at("2024-03-01T12:00:45Z"), 1);

    assertThat(e.allowed).isFalse();
    assertThat(e.remaining).isZero();
    assertThat(e.resetAt).isEqualTo(at("2024-03-01T12:01:00Z"));
    assertThat(e.retryAt - at("2024-03-01T12:00:45Z")).isEqualTo(15_000_000L);
    Evaluation next = chargeOk(d, at("2024-03-01T12:01:00Z"), 1);
    assertThat(next.remaining).isEqualTo(99);
  }

  @Test
  void fixedWindow_costAboveLimit_neverPasses() {
    MeterDriver d = new MeterDriver(Limit.fixed("minute", 100, MINUTE));
    long now = at("2024-03-01T12:00:30Z");

    Evaluation e = d.evaluate(now, 101);

    assertThat(e.allowed).isFalse();
    assertThat(e.retryAt).isEqualTo(Evaluation.NEVER);
    assertThat(e.remaining).isEqualTo(100);
    assertThat(e.resetAt).as("nothing counted: the whole limit is available now").isEqualTo(now);
  }

  @Test
  void slidingWindow_80Then30_remaining10At15sAndCost20PassesAt22point5s() {
    MeterDriver d = new MeterDriver(Limit.sliding("minute", 100, MINUTE));
    chargeOk(d, at("2024-03-01T12:00:10Z"), 80);
    chargeOk(d, at("2024-03-01T12:01:15Z"), 30); // 80 * 3/4 + 30 = 90 <= 100
    long now = at("2024-03-01T12:01:15Z");

    assertThat(d.evaluate(now, 0).remaining).as("80 * 3/4 + 30 = 90 counted").isEqualTo(10);
    Evaluation e = d.evaluate(now, 20);

    assertThat(e.allowed).isFalse();
    assertThat(e.retryAt).isEqualTo(at("2024-03-01T12:01:22.500Z"));
    assertThat(e.resetAt)
        .as("the 12:01 window weighs in until 12:03")
        .isEqualTo(at("2024-03-01T12:03:00Z"));
    assertThat(d.evaluate(e.retryAt, 20).allowed).isTrue();
    assertThat(d.evaluate(e.retryAt - 1, 20).allowed).isFalse();
  }

  @Test
  void slidingWindow_atBoundary_previousWindowWeighsInFull() {
    MeterDriver d = new MeterDriver(Limit.sliding("minute", 100, MINUTE));
    chargeOk(d, at("2024-03-01T12:00:59Z"), 100);

    Evaluation e = d.evaluate(at("2024-03-01T12:01:00Z"), 1);

    assertThat(e.allowed).as("unlike a fixed window, no burst at the boundary").isFalse();
    assertThat(e.retryAt)
        .as("first instant 100 * (W-e)/W <= 99")
        .isEqualTo(at("2024-03-01T12:01:00.600Z"));
  }

  @Test
  void gcra_tenPerSecondBurst5_fivePassThenOneEvery100ms() {
    MeterDriver d =
        new MeterDriver(Limit.tokenBucket("rate", 10, Window.of(Duration.ofSeconds(1)), 5));
    assertThat(((Gcra) d.meter).interval()).isEqualTo(100_000);
    long t0 = at("2024-03-01T12:00:00Z");
    for (int i = 1; i <= 5; i++) {
      Evaluation e = chargeOk(d, t0, 1);
      assertThat(e.remaining).isEqualTo(5 - i);
      assertThat(e.resetAt).as("tat").isEqualTo(t0 + i * 100_000L);
    }

    Evaluation sixth = d.evaluate(t0, 1);

    assertThat(sixth.allowed).isFalse();
    assertThat(sixth.retryAt).isEqualTo(t0 + 100_000);
    assertThat(d.evaluate(t0 + 99_999, 1).allowed).isFalse();
    chargeOk(d, t0 + 100_000, 1);
    assertThat(d.evaluate(t0 + 100_000, 1).allowed).isFalse();
    chargeOk(d, t0 + 200_000, 1);
  }

  @Test
  void gcra_sevenPerSecond_emissionIntervalRoundsUp() {
    Gcra g = (Gcra) Meter.of(Limit.tokenBucket("rate", 7, Window.of(Duration.ofSeconds(1)), 7));

    assertThat(g.interval()).isEqualTo(142_858);
  }

  @Test
  void gcra_aMillionPerSecond_emissionIntervalIsOneMicrosecond() {
    Gcra g =
        (Gcra) Meter.of(Limit.tokenBucket("rate", 1_000_000, Window.of(Duration.ofSeconds(1)), 10));

    assertThat(g.interval()).isEqualTo(1);
  }

  @Test
  void gcra_fasterThanOneUnitPerMicrosecond_isRefused_notSilentlySlowedDown() {
    assertThatThrownBy(
            () -> Limit.tokenBucket("rate", 2_000_000, Window.of(Duration.ofSeconds(1)), 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a token bucket refills at most one unit per microsecond, and 2000000/second is"
                + " faster; use a fixed or sliding window for this rate");
  }

  @Test
  void gcra_costAboveBurst_neverPasses() {
    MeterDriver d =
        new MeterDriver(Limit.tokenBucket("rate", 10, Window.of(Duration.ofSeconds(1)), 5));

    Evaluation e = d.evaluate(at("2024-03-01T12:00:00Z"), 6);

    assertThat(e.allowed).isFalse();
    assertThat(e.retryAt).isEqualTo(Evaluation.NEVER);
    assertThat(e.remaining).isEqualTo(5);
  }

  @Test
  void lifetime_fiveVerifications_sixthDeniedUntilForgottenAfter30Days() {
    MeterDriver d =
        new MeterDriver(Limit.fixed("verifications", 5, Window.lifetime(Window.DEFAULT_RETENTION)));
    long first = at("2024-03-01T09:00:00Z");
    for (int i = 0; i < 5; i++) {
      chargeOk(d, first + i * 60_000_000L, 1);
    }
    long second = at("2024-03-02T09:00:00Z");

    Evaluation e = d.evaluate(second, 1);

    assertThat(e.allowed).isFalse();
    assertThat(e.remaining).isZero();
    assertThat(e.retryAt).isEqualTo(at("2024-03-31T09:00:00Z"));
    assertThat(e.retryAt - second).isEqualTo(Duration.ofDays(29).toNanos() / 1_000);
    assertThat(d.evaluate(at("2024-03-31T09:00:00Z"), 5).allowed).as("forgotten").isTrue();
  }

  @Test
  void lifetime_laterChargesDoNotMoveTheForgetTime() {
    MeterDriver d = new MeterDriver(Limit.fixed("budget", 5, Window.lifetime(Duration.ofDays(1))));
    long t0 = at("2024-03-01T00:00:00Z");
    chargeOk(d, t0, 1);

    Evaluation later = chargeOk(d, t0 + 3_600_000_000L, 1);

    assertThat(later.resetAt).isEqualTo(at("2024-03-02T00:00:00Z"));
  }

  @Test
  void meterOf_picksTheAlgorithmAndStateSize() {
    Window second = Window.of(Duration.ofSeconds(1));

    assertThat(Meter.of(Limit.fixed("a", 1, second)))
        .isInstanceOf(FixedWindow.class)
        .extracting(Meter::words)
        .isEqualTo(1);
    assertThat(Meter.of(Limit.sliding("a", 1, second)))
        .isInstanceOf(SlidingWindow.class)
        .extracting(Meter::words)
        .isEqualTo(2);
    assertThat(Meter.of(Limit.tokenBucket("a", 1, second, 1)))
        .isInstanceOf(Gcra.class)
        .extracting(Meter::words)
        .isEqualTo(1);
    assertThat(Meter.of(Limit.fixed("a", 1, Window.lifetime(Duration.ofDays(1)))))
        .isInstanceOf(LifetimeBudget.class)
        .extracting(Meter::words)
        .isEqualTo(2);
  }
}
