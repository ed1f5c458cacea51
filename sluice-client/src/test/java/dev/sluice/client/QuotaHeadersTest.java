package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class QuotaHeadersTest {
  private static final Instant NOW = Instant.parse("2021-03-21T09:46:10Z");

  private static QuotaReading read(String... headers) {
    return QuotaHeaders.parse(Headers.of(headers), NOW);
  }

  @Test
  void xRateLimit_withEpochReset_asInTheIptoDocument() {
    QuotaReading q =
        read(
            "X-RateLimit-Limit",
            "100",
            "X-RateLimit-Remaining",
            "95",
            "X-RateLimit-Reset",
            "1616320000");

    assertThat(q.limit()).hasValue(100);
    assertThat(q.remaining()).hasValue(95);
    assertThat(q.resetAt()).contains(Instant.ofEpochSecond(1616320000));
    assertThat(q.window()).isEmpty();
    assertThat(q.policy()).isEmpty();
  }

  @Test
  void xRateLimit_withoutReset_asInTheConvoticDocument() {
    QuotaReading q = read("X-RateLimit-Limit", "1000", "X-RateLimit-Remaining", "994");

    assertThat(q.limit()).hasValue(1000);
    assertThat(q.remaining()).hasValue(994);
    assertThat(q.resetAt()).isEmpty();
  }

  @Test
  void reset_belowOneBillion_isSecondsFromNow() {
    assertThat(read("X-RateLimit-Reset", "30").resetAt()).contains(NOW.plusSeconds(30));
    assertThat(read("X-RateLimit-Reset", "2.5").resetAt()).contains(NOW.plusMillis(2500));
    assertThat(read("X-RateLimit-Reset", "999999999").resetAt())
        .contains(NOW.plusSeconds(999_999_999));
  }

  @Test
  void reset_fromOneBillion_isEpochSeconds_fromOneTrillion_epochMilliseconds() {
    assertThat(read("X-RateLimit-Reset", "1000000000").resetAt())
        .contains(Instant.ofEpochSecond(1_000_000_000));
    assertThat(read("X-RateLimit-Reset", "1616320000.25").resetAt())
        .contains(Instant.ofEpochSecond(1616320000, 250_000_000));
    assertThat(read("X-RateLimit-Reset", "1616320000123").resetAt())
        .contains(Instant.ofEpochMilli(1616320000123L));
  }

  @Test
  void reset_asHttpDate_isAccepted() {
    assertThat(read("X-RateLimit-Reset", "Sun, 21 Mar 2021 09:47:00 GMT").resetAt())
        .contains(Instant.parse("2021-03-21T09:47:00Z"));
  }

  @Test
  void epochReset_fromAServerWithASkewedClock_isMovedOntoTheLocalClock() {
    QuotaReading q =
        read(
            "X-RateLimit-Reset",
            "1616320000", // 09:46:40 on the server's clock
            "Date",
            "Sun, 21 Mar 2021 09:56:10 GMT"); // which is 10 minutes ahead

    assertThat(q.resetAt()).contains(Instant.parse("2021-03-21T09:36:40Z"));
  }

  @Test
  void ietf_bindingMemberIsTheOneASteadyClientRunsOutOfFirst_withItsPolicy() {
    QuotaReading q =
        read(
            "RateLimit", "\"hour\";r=990;t=1800, \"minute\";r=5;t=17",
            "RateLimit-Policy", "\"minute\";q=100;w=60, \"hour\";q=1000;w=3600");

    assertThat(q.policy()).contains("minute"); // 5 in 17 s is tighter than 990 in 30 min
    assertThat(q.limit()).hasValue(100);
    assertThat(q.remaining()).hasValue(5);
    assertThat(q.resetAt()).contains(NOW.plusSeconds(17));
    assertThat(q.window()).contains(Duration.ofMinutes(1));
  }

  @Test
  void ietf_fewerRemainingInAShortWindow_doesNotBindBeforeALongWindowsTighterPace() {
    // Paced by "50 left in 30 s", a client would spend the day's 100 in a minute.
    QuotaReading q = read("RateLimit", "\"burst\";r=50;t=30, \"day\";r=100;t=86400");
    assertThat(q.policy()).contains("day");
    assertThat(q.remaining()).hasValue(100);

    QuotaReading hour = read("RateLimit", "\"hour\";r=990;t=1800, \"minute\";r=42;t=17");
    assertThat(hour.policy()).as("990 in 30 min is 0.55/s, 42 in 17 s is 2.5/s").contains("hour");
  }

  @Test
  void ietf_anEmptyLimit_bindsBeforeAnyOther_andWithoutResets_theLeastRemaining() {
    assertThat(read("RateLimit", "\"day\";r=1;t=86400, \"second\";r=0;t=1").policy())
        .contains("second");
    assertThat(read("RateLimit", "\"a\";r=7, \"b\";r=3").policy()).contains("b");
  }

  @Test
  void ietf_tiesInRemaining_goToTheLaterReset() {
    QuotaReading q = read("RateLimit", "\"minute\";r=0;t=17, \"day\";r=0;t=5000");

    assertThat(q.policy()).contains("day");
    assertThat(q.resetAt()).contains(NOW.plusSeconds(5000));
  }

  @Test
  void ietf_lonePolicy_appliesWhateverItsName() {
    QuotaReading q = read("RateLimit", "\"default\";r=5;t=3", "RateLimit-Policy", "\"x\";q=10;w=1");

    assertThat(q.limit()).hasValue(10);
    assertThat(q.window()).contains(Duration.ofSeconds(1));
  }

  @Test
  void ietf_tokenNamesAndSpacesAroundParameters_areTolerated() {
    QuotaReading q = read("RateLimit", "minute ; r = 7 ; t = 2");

    assertThat(q.policy()).contains("minute");
    assertThat(q.remaining()).hasValue(7);
    assertThat(q.resetAt()).contains(NOW.plusSeconds(2));
  }

  @Test
  void ietf_draft06Dictionary_isRead() {
    QuotaReading q = read("RateLimit", "limit=100, remaining=50, reset=30");

    assertThat(q.limit()).hasValue(100);
    assertThat(q.remaining()).hasValue(50);
    assertThat(q.resetAt()).contains(NOW.plusSeconds(30));
  }

  @Test
  void unprefixedDraftFields_areRead_withADraft03Window() {
    QuotaReading q =
        read(
            "RateLimit-Limit", "100, 100;w=60", "RateLimit-Remaining", "9", "RateLimit-Reset", "5");

    assertThat(q.limit()).hasValue(100);
    assertThat(q.window()).contains(Duration.ofSeconds(60));
    assertThat(q.remaining()).hasValue(9);
    assertThat(q.resetAt()).contains(NOW.plusSeconds(5));
  }

  @Test
  void ietfFields_arePreferredToXRateLimit() {
    QuotaReading q = read("RateLimit", "\"m\";r=1;t=1", "X-RateLimit-Remaining", "50");

    assertThat(q.remaining()).hasValue(1);
  }

  @Test
  void garbledParts_areLeftEmpty_theRestIsRead() {
    QuotaReading q =
        read("X-RateLimit-Limit", "lots", "X-RateLimit-Remaining", "-3", "X-RateLimit-Reset", "30");

    assertThat(q.limit()).isEqualTo(OptionalLong.empty());
    assertThat(q.remaining()).isEqualTo(OptionalLong.empty());
    assertThat(q.resetAt()).contains(NOW.plusSeconds(30));
  }

  @Test
  void repeatedXRateLimitFields_twoLinesOrFoldedByAProxy_areRead_leastRemainingCounting() {
    QuotaReading folded =
        read(
            "X-RateLimit-Limit",
            "10, 10",
            "X-RateLimit-Remaining",
            "0, 0",
            "X-RateLimit-Reset",
            "30, 30");
    assertThat(folded.limit()).hasValue(10);
    assertThat(folded.remaining()).as("not garbage: the quota is spent").hasValue(0);
    assertThat(folded.resetAt()).contains(NOW.plusSeconds(30));

    QuotaReading twoLayers = read("X-RateLimit-Remaining", "50", "X-RateLimit-Remaining", "0");
    assertThat(twoLayers.remaining())
        .as("the gateway's 0 binds, whichever line comes first")
        .hasValue(0);
  }

  @Test
  void ietf_aQuotedNameWithAnEqualsSign_isANameNotADictionaryMember() {
    QuotaReading q = read("RateLimit", "\"a=b\";r=1;t=3");

    assertThat(q.policy()).contains("a=b");
    assertThat(q.remaining()).hasValue(1);
  }

  @Test
  void nothingUsable_isNoReading() {
    assertThat(read()).isNull();
    assertThat(read("X-RateLimit-Limit", "x", "X-RateLimit-Remaining", "y")).isNull();
    assertThat(read("RateLimit", "\"m\";r=-1;t=2")).isNull();
    assertThat(read("Content-Type", "text/plain")).isNull();
  }

  @Test
  void readings_areValues() {
    assertThat(read("X-RateLimit-Remaining", "3"))
        .isEqualTo(read("X-RateLimit-Remaining", "3"))
        .hasSameHashCodeAs(read("X-RateLimit-Remaining", "3"))
        .isNotEqualTo(read("X-RateLimit-Remaining", "4"));
    assertThat(read("RateLimit", "\"m\";r=1;t=1").toString())
        .isEqualTo("QuotaReading[policy=m, limit=?, remaining=1, resetAt=2021-03-21T09:46:11Z]");
    assertThat(Optional.of(read("X-RateLimit-Remaining", "3"))).isPresent();
  }
}
