package dev.sluice.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Decision;
import dev.sluice.core.Decisions;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import dev.sluice.testing.Gen;
import dev.sluice.testing.Property;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DenialBodyTest {
  private static final long NOW = 1_900_000_000_000_000L;
  private static final Limit MINUTE = Limit.fixed("minute", 100, Window.of(Duration.ofMinutes(1)));
  private static final Limit HOUR = Limit.fixed("hour", 1000, Window.of(Duration.ofHours(1)));
  private static final Limit DAY = Limit.fixed("day", 5000, Window.of(Duration.ofDays(1)));

  /** A denial by minute and hour (day passed) that can be retried in {@code retryMicros}. */
  private static Decision deniedFor(long retryMicros) {
    return Decisions.denied(
        NOW,
        new LimitStatus("global", MINUTE, false, 0, NOW + 1, NOW + 1),
        new LimitStatus("global", HOUR, false, 0, NOW + retryMicros, NOW + retryMicros),
        new LimitStatus("global", DAY, true, 10, NOW + 1, 0));
  }

  @Test
  void detail() {
    assertThat(DenialBody.of(DenialFormat.DETAIL, deniedFor(60_000_000)))
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": 60}");
  }

  @Test
  void errorCode_plural_andSingular() {
    assertThat(DenialBody.of(DenialFormat.ERROR_CODE, deniedFor(11_000_001)))
        .isEqualTo(
            "{\"error\": {\"code\": \"RATE_LIMITED\", \"message\": \"Rate limit exceeded. Retry"
                + " after 12 seconds.\"}}");
    assertThat(DenialBody.of(DenialFormat.ERROR_CODE, deniedFor(400_000)))
        .isEqualTo(
            "{\"error\": {\"code\": \"RATE_LIMITED\", \"message\": \"Rate limit exceeded. Retry"
                + " after 1 second.\"}}");
  }

  @Test
  void problemJson_rfc9457_quotaExceeded_namesTheViolatedPolicies() {
    assertThat(DenialBody.of(DenialFormat.PROBLEM, deniedFor(60_000_000)))
        .isEqualTo(
            "{"
                + "\"type\": \"https://iana.org/assignments/http-problem-types#quota-exceeded\", "
                + "\"title\": \"Request cannot be satisfied as assigned quota has been exceeded\", "
                + "\"status\": 429, "
                + "\"detail\": \"Rate limit exceeded. Retry after 60 seconds.\", "
                + "\"retry_after\": 60, "
                + "\"violated-policies\": [\"minute\", \"hour\"]}");
    assertThat(DenialBody.QUOTA_EXCEEDED)
        .isEqualTo("https://iana.org/assignments/http-problem-types#quota-exceeded");
  }

  @Test
  void contentTypes() {
    assertThat(DenialBody.contentType(DenialFormat.DETAIL)).isEqualTo("application/json");
    assertThat(DenialBody.contentType(DenialFormat.ERROR_CODE)).isEqualTo("application/json");
    assertThat(DenialBody.contentType(DenialFormat.PROBLEM)).isEqualTo("application/problem+json");
  }

  @Test
  void everyBodysNumber_equalsRetryAfter() {
    Property.check(500, Gen.longs(0, 40L * 86_400_000_000L), this::numbersEqualRetryAfter);
  }

  private void numbersEqualRetryAfter(long retryMicros) {
    Decision d = deniedFor(retryMicros);
    String retryAfter = RateLimitHeaders.of(HeaderDialect.NONE, false, d).get(0).value();

    assertThat(Long.parseLong(retryAfter))
        .isEqualTo(Math.max(1, (retryMicros + 999_999) / 1_000_000));
    for (DenialFormat f : DenialFormat.values()) {
      Matcher m =
          Pattern.compile("(?:retry_after\": |Retry after )(\\d+)").matcher(DenialBody.of(f, d));
      int found = 0;
      while (m.find()) {
        assertThat(m.group(1)).as("%s", f).isEqualTo(retryAfter);
        found++;
      }
      assertThat(found).as("%s names the retry", f).isPositive();
    }
  }
}
