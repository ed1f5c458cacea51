package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionTest {
  private static final long NOW = 1_900_000_000_000_000L;
  private static final Limit A = Limit.fixed("a", 10, Window.of(Duration.ofMinutes(1)));
  private static final Limit B = Limit.fixed("b", 10, Window.of(Duration.ofHours(1)));
  private static final Limit C = Limit.fixed("c", 10, Window.of(Duration.ofDays(1)));

  private static LimitStatus ok(Limit l, long remaining, long resetIn) {
    return new LimitStatus("r", l, true, remaining, NOW + resetIn, 0);
  }

  private static LimitStatus over(Limit l, long resetIn, long retryIn) {
    return new LimitStatus(
        "r",
        l,
        false,
        0,
        NOW + resetIn,
        retryIn == Long.MAX_VALUE ? Long.MAX_VALUE : NOW + retryIn);
  }

  @Test
  void binding_leastRemaining_thenLatestReset_thenFirst() {
    assertThat(
            Decision.of(true, NOW, List.of(ok(A, 5, 10), ok(B, 3, 50), ok(C, 4, 90)))
                .binding()
                .limit())
        .isEqualTo(B);
    assertThat(
            Decision.of(true, NOW, List.of(ok(A, 3, 10), ok(B, 3, 90), ok(C, 3, 50)))
                .binding()
                .limit())
        .isEqualTo(B);
    assertThat(Decision.of(true, NOW, List.of(ok(A, 3, 90), ok(B, 3, 90))).binding().limit())
        .isEqualTo(A);
  }

  @Test
  void retryAt_isTheLatestRetryOfTheDeniedLimits() {
    Decision d =
        Decision.of(
            false,
            NOW,
            List.of(
                over(A, 60_000_000, 1_200_000),
                ok(C, 1, 999_000_000),
                over(B, 3_600_000_000L, 3_000_001)));

    assertThat(d.retryAtMicros()).isEqualTo(NOW + 3_000_001);
    assertThat(d.retryAfterSeconds()).isEqualTo(4);
    assertThat(d.violated()).extracting(LimitStatus::limit).containsExactly(A, B);
  }

  @Test
  void retryAt_ofALimitThatNeverPasses_isItsReset() {
    Decision d =
        Decision.of(
            false,
            NOW,
            List.of(over(A, 45_000_000, Long.MAX_VALUE), over(B, 60_000_000, 2_000_000)));

    assertThat(d.retryAtMicros()).isEqualTo(NOW + 45_000_000);
    assertThat(d.retryAfterSeconds()).isEqualTo(45);
  }

  @Test
  void retryAfterSeconds_roundsUp_neverZero() {
    assertThat(Decision.of(false, NOW, List.of(over(A, 0, 1))).retryAfterSeconds()).isEqualTo(1);
    assertThat(Decision.of(false, NOW, List.of(over(A, 0, 0))).retryAfterSeconds()).isEqualTo(1);
    assertThat(Decision.of(false, NOW, List.of(over(A, 0, 2_000_000))).retryAfterSeconds())
        .isEqualTo(2);
    assertThat(Decision.of(false, NOW, List.of(over(A, 0, 2_000_001))).retryAfterSeconds())
        .isEqualTo(3);
    assertThat(Decision.of(false, NOW, List.of(over(A, 0, 999_999))).retryAfterSeconds())
        .isEqualTo(1);
  }

  @Test
  void allowed_hasNoRetry() {
    Decision d = Decision.of(true, NOW, List.of(ok(A, 0, 10)));

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(d.allowed()).isTrue();
    assertThat(d.retryAtMicros()).isZero();
    assertThat(d.retryAfterSeconds()).isZero();
    assertThat(d.violated()).isEmpty();
  }

  @Test
  void unavailable_retriesAfterOneSecond() {
    Decision d = Decision.unavailable(NOW, "down");

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.UNAVAILABLE);
    assertThat(d.allowed()).isFalse();
    assertThat(d.retryAfterSeconds()).isEqualTo(1);
    assertThat(d.problem()).isEqualTo("down");
    assertThat(d.binding()).isNull();
  }

  @Test
  void invalid_carriesItsProblem_andNoRetry() {
    Decision d = Decision.invalid(0, "no key");

    assertThat(d.allowed()).isFalse();
    assertThat(d.problem()).isEqualTo("no key");
    assertThat(d.retryAfterSeconds()).isZero();
    assertThat(d).hasToString("INVALID (no key)");
  }

  @Test
  void limits_areACopy() {
    List<LimitStatus> statuses = new ArrayList<>(List.of(ok(A, 1, 1)));
    Decision d = Decision.of(true, NOW, statuses);
    statuses.clear();

    assertThat(d.limits()).hasSize(1);
    assertThatThrownBy(() -> d.limits().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void toString_summarisesEachLimit() {
    Decision d = Decision.of(false, NOW, List.of(ok(A, 4, 1), over(B, 1, 1)));

    assertThat(d).hasToString("DENIED r/a ok 4 r/b over 0");
  }
}
