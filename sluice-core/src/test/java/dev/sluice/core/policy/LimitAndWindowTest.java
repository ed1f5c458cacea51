package dev.sluice.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LimitAndWindowTest {
  private static final Window MINUTE = Window.of(Duration.ofMinutes(1));

  @Test
  void limit_name_mustBeShortAndPlain() {
    assertThatThrownBy(() -> Limit.fixed("per minute", 1, MINUTE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit name 'per minute' must be 1 to 64 letters, digits, '.', '_' or '-'");
    assertThatThrownBy(() -> Limit.fixed("", 1, MINUTE))
        .hasMessage("limit name '' must be 1 to 64 letters, digits, '.', '_' or '-'");
    assertThatThrownBy(() -> Limit.fixed("x".repeat(65), 1, MINUTE))
        .hasMessageStartingWith("limit name 'xxxx");
    assertThatThrownBy(() -> Limit.fixed("\"quoted\"", 1, MINUTE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Limit.fixed("a.b_c-D9", 1, MINUTE).name()).isEqualTo("a.b_c-D9");
    assertThat(Limit.fixed("x".repeat(64), 1, MINUTE).name()).hasSize(64);
  }

  @Test
  void limit_nulls_areNamed() {
    assertThatThrownBy(() -> Limit.fixed(null, 1, MINUTE))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> Limit.fixed("a", 1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("window");
    assertThatThrownBy(() -> new Limit("a", 1, MINUTE, null, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("algorithm");
  }

  @Test
  void limit_permits_between1AndIntMax() {
    assertThatThrownBy(() -> Limit.fixed("a", 0, MINUTE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be between 1 and 2147483647, got 0");
    assertThatThrownBy(() -> Limit.sliding("a", 2147483648L, MINUTE))
        .hasMessage("permits must be between 1 and 2147483647, got 2147483648");
    assertThat(Limit.fixed("a", Limit.MAX_PERMITS, MINUTE).permits()).isEqualTo(2147483647L);
  }

  @Test
  void limit_lifetime_isAlwaysAPlainCounter() {
    Window lifetime = Window.lifetime(Duration.ofDays(30));

    assertThatThrownBy(() -> Limit.sliding("a", 5, lifetime))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a lifetime budget never refills, so it is counted as a plain counter ('fixed'), not"
                + " 'sliding'");
    assertThatThrownBy(() -> Limit.tokenBucket("a", 5, lifetime, 5))
        .hasMessage(
            "a lifetime budget never refills, so it is counted as a plain counter ('fixed'), not"
                + " 'token-bucket'");
    Limit budget = Limit.fixed("a", 5, lifetime);
    assertThat(budget.isLifetime()).isTrue();
    assertThat(budget).hasToString("a 5/lifetime");
  }

  @Test
  void limit_burst_onlyForTokenBuckets_andWithinRange() {
    assertThatThrownBy(() -> new Limit("a", 5, MINUTE, Algorithm.FIXED_WINDOW, 6))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("burst only applies to token-bucket limits; 'fixed' has none");
    assertThatThrownBy(() -> new Limit("a", 5, MINUTE, Algorithm.SLIDING_WINDOW, 6))
        .hasMessage("burst only applies to token-bucket limits; 'sliding' has none");
    assertThatThrownBy(() -> Limit.tokenBucket("a", 5, MINUTE, 0))
        .hasMessage("burst must be between 1 and 2147483647, got 0");
    assertThatThrownBy(() -> Limit.tokenBucket("a", 5, MINUTE, 2147483648L))
        .hasMessage("burst must be between 1 and 2147483647, got 2147483648");
  }

  @Test
  void limit_burstThatWouldBankCenturiesOfCredit_isRefused() {
    Window century = Window.of(Duration.ofDays(366 * 100));

    assertThatThrownBy(() -> Limit.tokenBucket("a", 1, century, Limit.MAX_PERMITS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "burst 2147483647 at 1/36600d would bank more than 70,000 years of credit;"
                + " lower the burst or shorten the window");
    assertThat(Limit.tokenBucket("a", 1, century, 1).burst()).isEqualTo(1);
  }

  @Test
  void limit_capacity_isTheBurstOfATokenBucket_elseThePermits() {
    assertThat(Limit.tokenBucket("a", 10, MINUTE, 3).capacity()).isEqualTo(3);
    assertThat(Limit.tokenBucket("a", 10, MINUTE, 30).capacity()).isEqualTo(30);
    assertThat(Limit.sliding("a", 10, MINUTE).capacity()).isEqualTo(10);
    assertThat(Limit.fixed("a", 10, MINUTE).burst()).isEqualTo(10);
  }

  @Test
  void limit_readsAsInAPolicyFile() {
    assertThat(Limit.fixed("m", 100, MINUTE)).hasToString("m 100/minute");
    assertThat(Limit.sliding("h", 5, Window.of(Duration.ofHours(1))))
        .hasToString("h 5/hour sliding");
    assertThat(Limit.tokenBucket("s", 10, Window.of(Duration.ofSeconds(1)), 20))
        .hasToString("s 10/second token-bucket burst 20");
    assertThat(Limit.fixed("q", 7, Window.of(Duration.ofMinutes(15)))).hasToString("q 7/15m");
  }

  @Test
  void window_atLeastOneMillisecond_atMostACentury() {
    assertThatThrownBy(() -> Window.of(Duration.ofNanos(999_999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a window must last at least 1ms, got PT0.000999999S");
    assertThatThrownBy(() -> Window.of(Duration.ofDays(366 * 100 + 1)))
        .hasMessage("a window cannot exceed 100 years, got PT878424H");
    assertThatThrownBy(() -> Window.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("length");
    assertThat(Window.of(Duration.ofMillis(1)).micros()).isEqualTo(1_000);
  }

  @Test
  void window_lifetimeRetention_atLeastASecond_atMostACentury() {
    assertThatThrownBy(() -> Window.lifetime(Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a lifetime retention must be at least 1s, got PT0.5S");
    assertThatThrownBy(() -> Window.lifetime(Duration.ofDays(366 * 100 + 1)))
        .hasMessage("a lifetime retention cannot exceed 100 years");
    assertThatThrownBy(() -> Window.lifetime(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("retention");
  }

  @Test
  void window_microsAndLabels() {
    assertThat(MINUTE.micros()).isEqualTo(60_000_000L);
    assertThat(MINUTE.label()).isEqualTo("minute");
    assertThat(Window.of(Duration.ofMillis(250)).label()).isEqualTo("250ms");
    assertThat(Window.lifetime(Window.DEFAULT_RETENTION).micros()).isEqualTo(30L * 86_400_000_000L);
    assertThat(Window.lifetime(Window.DEFAULT_RETENTION).label()).isEqualTo("lifetime");
  }
}
