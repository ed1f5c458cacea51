package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {
  private static final Instant NOW = Instant.parse("2015-10-21T07:27:48Z");

  private static long retryAfter(String... headers) {
    return ServerTime.retryAfterNanos(Headers.of(headers), NOW);
  }

  @Test
  void delaySeconds_isThatManySeconds() {
    assertThat(retryAfter("Retry-After", "120")).isEqualTo(Duration.ofSeconds(120).toNanos());
    assertThat(retryAfter("Retry-After", " 0 ")).isZero();
  }

  @Test
  void decimalSeconds_areReadToTheNanosecond() {
    assertThat(retryAfter("Retry-After", "1.5")).isEqualTo(1_500_000_000L);
    assertThat(retryAfter("Retry-After", "0.000000001")).isEqualTo(1);
    assertThat(retryAfter("Retry-After", "2.1234567891"))
        .as("beyond nanoseconds: cut")
        .isEqualTo(2_123_456_789L);
  }

  @Test
  void imfFixdate_isTheDelayUntilThatInstant() {
    assertThat(retryAfter("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"))
        .isEqualTo(Duration.ofSeconds(12).toNanos());
  }

  @Test
  void obsoleteDateForms_rfc850AndAsctime_areAccepted() {
    assertThat(retryAfter("Retry-After", "Wednesday, 21-Oct-15 07:28:00 GMT"))
        .isEqualTo(Duration.ofSeconds(12).toNanos());
    assertThat(retryAfter("Retry-After", "Wed Oct 21 07:28:00 2015"))
        .isEqualTo(Duration.ofSeconds(12).toNanos());
  }

  @Test
  void dateInThePast_meansRetryNow() {
    assertThat(retryAfter("Retry-After", "Wed, 21 Oct 2015 07:00:00 GMT")).isZero();
  }

  @Test
  void date_fromAServerWhoseClockIsAnHourAhead_isCountedFromTheServersDate() {
    assertThat(
            retryAfter(
                "Retry-After",
                "Wed, 21 Oct 2015 08:28:00 GMT",
                "Date",
                "Wed, 21 Oct 2015 08:27:48 GMT"))
        .isEqualTo(Duration.ofSeconds(12).toNanos());
  }

  @Test
  void date_fromAServerWithinTheSkewTolerance_isCountedFromTheLocalClock() {
    // Date is truncated to the second; trusting it would make every wait up to a second longer
    assertThat(
            retryAfter(
                "Retry-After",
                "Wed, 21 Oct 2015 07:28:00 GMT",
                "Date",
                "Wed, 21 Oct 2015 07:27:46 GMT"))
        .isEqualTo(Duration.ofSeconds(12).toNanos());
  }

  @Test
  void hugeDelay_saturatesRatherThanOverflowing() {
    assertThat(retryAfter("Retry-After", "99999999999999999999999999999"))
        .isEqualTo(Long.MAX_VALUE);
    assertThat(retryAfter("Retry-After", "9223372036")).isEqualTo(Long.MAX_VALUE);
    assertThat(retryAfter("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")).isPositive();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "-1",
        "-0.5",
        "",
        "  ",
        "soon",
        "1e3",
        "0x10",
        "+5",
        "1.",
        ".5",
        "1.5.5",
        "12 seconds",
        "NaN",
        "Infinity",
        "Mon, 21 Oct 2015 07:28:00 GMT",
        "١٢"
      })
  void unusableValues_areIgnored(String value) {
    assertThat(retryAfter("Retry-After", value)).isEqualTo(-1);
  }

  @Test
  void absent_isIgnored() {
    assertThat(retryAfter()).isEqualTo(-1);
  }

  @Test
  void aRepeatedFieldFoldedIntoOneList_isRead_notTakenForGarbage() {
    assertThat(retryAfter("Retry-After", "120, 120")).isEqualTo(Duration.ofSeconds(120).toNanos());
    assertThat(retryAfter("Retry-After", "1,5"))
        .as("ambiguous: never the shorter reading")
        .isEqualTo(Duration.ofSeconds(5).toNanos());
    assertThat(retryAfter("Retry-After", "120, soon")).isEqualTo(-1);
  }

  @Test
  void firstUsableOfSeveralValues_counts() {
    assertThat(retryAfter("Retry-After", "garbage", "Retry-After", "7"))
        .isEqualTo(Duration.ofSeconds(7).toNanos());
  }
}
