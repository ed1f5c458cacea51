package dev.sluice.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Decision;
import dev.sluice.core.Decisions;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RateLimitHeadersTest {
  /** 2030-03-17T17:46:40Z, a whole second. */
  private static final long NOW = 1_900_000_000_000_000L;

  private static final Limit MINUTE = Limit.fixed("minute", 100, Window.of(Duration.ofMinutes(1)));
  private static final Limit HOUR = Limit.sliding("hour", 1000, Window.of(Duration.ofHours(1)));
  private static final Limit BUDGET =
      Limit.fixed("verifications", 5, Window.lifetime(Duration.ofDays(30)));

  /** minute: 42 left, resets in 17.2 s (the binding limit); hour: 900 left; budget: 4 left. */
  private static Decision allowed() {
    return Decisions.allowed(
        NOW,
        new LimitStatus("global", MINUTE, true, 42, NOW + 17_200_000, 0),
        new LimitStatus("global", HOUR, true, 900, NOW + 1_000_000_000, 0),
        new LimitStatus("verify", BUDGET, true, 43, NOW + 86_400_000_000L, 0));
  }

  /** minute: none left, resets (and passes again) in 17.2 s; hour: passed, 900 left. */
  private static Decision denied() {
    return Decisions.denied(
        NOW,
        new LimitStatus("global", MINUTE, false, 0, NOW + 17_200_000, NOW + 17_200_000),
        new LimitStatus("global", HOUR, true, 900, NOW + 1_000_000_000, 0));
  }

  private static List<Header> headers(HeaderDialect d, boolean reset, Decision decision) {
    return RateLimitHeaders.of(d, reset, decision);
  }

  @Test
  void xRateLimit_withReset_showsTheBindingLimit_resetAsEpochSecondsRoundedUp() {
    assertThat(headers(HeaderDialect.X_RATELIMIT, true, allowed()))
        .containsExactly(
            new Header("X-RateLimit-Limit", "100"),
            new Header("X-RateLimit-Remaining", "42"),
            new Header("X-RateLimit-Reset", "1900000018"));
  }

  @Test
  void xRateLimit_withoutReset() {
    assertThat(headers(HeaderDialect.X_RATELIMIT, false, allowed()))
        .containsExactly(
            new Header("X-RateLimit-Limit", "100"), new Header("X-RateLimit-Remaining", "42"));
  }

  @Test
  void xRateLimit_resetOnAWholeSecond_isThatSecond() {
    Decision d = Decisions.allowed(NOW, new LimitStatus("g", MINUTE, true, 7, NOW + 17_000_000, 0));

    assertThat(headers(HeaderDialect.X_RATELIMIT, true, d))
        .contains(new Header("X-RateLimit-Reset", "1900000017"));
  }

  @Test
  void ietf_policyListsEveryLimit_rateLimitGivesTheBindingOne() {
    assertThat(headers(HeaderDialect.IETF, true, allowed()))
        .containsExactly(
            new Header(
                "RateLimit-Policy",
                "\"minute\";q=100;w=60, \"hour\";q=1000;w=3600, \"verifications\";q=5"),
            new Header("RateLimit", "\"minute\";r=42;t=18"));
  }

  @Test
  void ietf_windowsShorterThanASecondOrOddLengths_roundUpToWholeSeconds() {
    Limit fast = Limit.fixed("fast", 10, Window.of(Duration.ofMillis(250)));
    Limit odd = Limit.fixed("odd", 10, Window.of(Duration.ofMillis(1_500)));
    Limit bucket = Limit.tokenBucket("bucket", 10, Window.of(Duration.ofSeconds(90)), 30);
    Decision d =
        Decisions.allowed(
            NOW,
            new LimitStatus("g", fast, true, 9, NOW + 100, 0),
            new LimitStatus("g", odd, true, 9, NOW + 100, 0),
            new LimitStatus("g", bucket, true, 29, NOW + 9_000_000, 0));

    assertThat(headers(HeaderDialect.IETF, false, d))
        .containsExactly(
            new Header(
                "RateLimit-Policy", "\"fast\";q=10;w=1, \"odd\";q=10;w=2, \"bucket\";q=10;w=90"),
            new Header("RateLimit", "\"fast\";r=9;t=1")); // a tie: the first
  }

  @Test
  void xRateLimit_ofATokenBucket_showsItsCapacity_whatRemainingCountsDownFrom() {
    Limit bucket = Limit.tokenBucket("bucket", 10, Window.of(Duration.ofSeconds(1)), 20);
    Decision d = Decisions.allowed(NOW, new LimitStatus("g", bucket, true, 19, NOW + 100_000, 0));

    assertThat(headers(HeaderDialect.X_RATELIMIT, false, d))
        .containsExactly(
            new Header("X-RateLimit-Limit", "20"), new Header("X-RateLimit-Remaining", "19"));
  }

  @Test
  void ietf_resetNowOrPast_givesTZero() {
    Decision d = Decisions.allowed(NOW, new LimitStatus("g", MINUTE, true, 100, NOW, 0));

    assertThat(headers(HeaderDialect.IETF, false, d))
        .contains(new Header("RateLimit", "\"minute\";r=100;t=0"));
  }

  @Test
  void both_xRateLimitThenIetf() {
    assertThat(headers(HeaderDialect.BOTH, true, allowed()))
        .containsExactly(
            new Header("X-RateLimit-Limit", "100"),
            new Header("X-RateLimit-Remaining", "42"),
            new Header("X-RateLimit-Reset", "1900000018"),
            new Header(
                "RateLimit-Policy",
                "\"minute\";q=100;w=60, \"hour\";q=1000;w=3600, \"verifications\";q=5"),
            new Header("RateLimit", "\"minute\";r=42;t=18"));
  }

  @Test
  void none_allowed_hasNoHeaders() {
    assertThat(headers(HeaderDialect.NONE, true, allowed())).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(HeaderDialect.class)
  void everyDenial_carriesRetryAfter_whateverTheDialect(HeaderDialect dialect) {
    List<Header> h = headers(dialect, true, denied());

    assertThat(h).endsWith(new Header("Retry-After", "18"));
    assertThat(h).filteredOn(x -> x.name().equals("Retry-After")).hasSize(1);
  }

  @Test
  void denial_headersShowTheDeniedLimit() {
    assertThat(headers(HeaderDialect.BOTH, false, denied()))
        .containsExactly(
            new Header("X-RateLimit-Limit", "100"),
            new Header("X-RateLimit-Remaining", "0"),
            new Header("RateLimit-Policy", "\"minute\";q=100;w=60, \"hour\";q=1000;w=3600"),
            new Header("RateLimit", "\"minute\";r=0;t=18"),
            new Header("Retry-After", "18"));
  }

  @ParameterizedTest
  @EnumSource(HeaderDialect.class)
  void unlimited_hasNoHeaders(HeaderDialect dialect) {
    assertThat(headers(dialect, true, Decisions.unlimited())).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(HeaderDialect.class)
  void unavailable_hasOnlyRetryAfterOneSecond(HeaderDialect dialect) {
    assertThat(headers(dialect, true, Decisions.unavailable(NOW)))
        .containsExactly(new Header("Retry-After", "1"));
  }

  @ParameterizedTest
  @EnumSource(HeaderDialect.class)
  void invalid_hasNoHeaders(HeaderDialect dialect) {
    assertThat(headers(dialect, true, Decisions.invalid("no key"))).isEmpty();
  }
}
