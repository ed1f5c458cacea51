package dev.sluice.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The back-off: each wait half to all of the event's age, within [first, max]; given up after. */
class WebhookRetryTest {
  static final long S = 1_000_000L;
  final WebhookRetry retry = WebhookRetry.DEFAULT; // 24 h, first 1 s, max 10 min

  @Test
  void theWait_isHalfToAllOfTheAge_boundedByFirstAndMax() {
    assertThat(retry.nextAttemptMicros(0, 0, n -> 0))
        .as("shortest: half the first")
        .isEqualTo(S / 2);
    assertThat(retry.nextAttemptMicros(0, 0, n -> n - 1)).as("longest: the first").isEqualTo(S);
    assertThat(retry.nextAttemptMicros(0, 40 * S, n -> 0)).isEqualTo(60 * S);
    assertThat(retry.nextAttemptMicros(0, 40 * S, n -> n - 1)).isEqualTo(80 * S);
    long hour = 3_600 * S;
    assertThat(retry.nextAttemptMicros(0, hour, n -> n - 1) - hour)
        .as("never more than 10 minutes")
        .isEqualTo(600 * S);
    assertThat(retry.nextAttemptMicros(0, hour, n -> 0) - hour).isEqualTo(300 * S);
  }

  @Test
  void aDayOfOutage_costsAboutTwoHundredAttempts_andThenGivesUp() {
    SplittableRandom random = new SplittableRandom(42);
    List<Long> attempts = new ArrayList<>();
    for (long t = 0; t >= 0; t = retry.nextAttemptMicros(0, t, random::nextLong)) {
      attempts.add(t);
    }
    assertThat(attempts.get(attempts.size() - 1)).isLessThanOrEqualTo(24 * 3_600 * S);
    assertThat(attempts).hasSizeBetween(180, 230);
    for (int i = 1; i < attempts.size(); i++) {
      long wait = attempts.get(i) - attempts.get(i - 1);
      assertThat(wait).isBetween(S / 2, 600 * S);
      assertThat(wait).isLessThanOrEqualTo(Math.max(S, attempts.get(i - 1)));
    }
  }

  @Test
  void anAttemptPastTheRetryTime_isNotMade() {
    WebhookRetry minute =
        new WebhookRetry(Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofMinutes(10));
    assertThat(minute.nextAttemptMicros(0, 30 * S, n -> n - 1)).isEqualTo(60 * S);
    assertThat(minute.nextAttemptMicros(0, 30 * S, n -> n - 2)).isLessThan(60 * S);
    assertThat(minute.nextAttemptMicros(0, 31 * S, n -> n - 1)).isEqualTo(-1);
    WebhookRetry never =
        new WebhookRetry(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1));
    assertThat(never.nextAttemptMicros(0, 0, n -> 0)).as("one attempt only").isEqualTo(-1);
  }

  @Test
  void settingsThatDoNotFit_areRefused() {
    assertThatThrownBy(
            () ->
                new WebhookRetry(Duration.ofHours(1), Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be at least the first retry's delay");
    assertThatThrownBy(
            () -> new WebhookRetry(Duration.ofHours(1), Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("at least 1ms");
    assertThatThrownBy(
            () ->
                new WebhookRetry(
                    Duration.ofHours(-1), Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessageContaining("must not be negative");
  }
}
