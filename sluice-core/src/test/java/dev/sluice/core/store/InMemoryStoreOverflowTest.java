package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.store.InMemoryStore.Overflow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the in-memory store gives a new identity near and at its cap ({@link WhenFull#OVERFLOW}, the
 * default): a ceiling on new identities per origin, a reserve for overflow buckets per origin, one
 * shared overflow bucket per rule at the hard cap; never a refusal, never an eviction.
 */
class InMemoryStoreOverflowTest {
  private static final Duration HOUR = Duration.ofHours(1);
  private static final long ALICE = 1, FLOODER = 66, BOB = 2;

  private final ManualTicker ticker = new ManualTicker(Instant.parse("2030-06-01T12:00:30Z"));

  private InMemoryStore store(long maxBuckets, long ceiling) {
    return InMemoryStore.builder()
        .ticker(ticker)
        .executor(Runnable::run)
        .maxBuckets(maxBuckets)
        .maxNewIdentitiesPerOrigin(ceiling)
        .build();
  }

  private static Verdict charge(InMemoryStore s, BucketGroup g, long origin, long key, long cost) {
    return s.charge(new Charge(1).origin(() -> origin).add(g, key, cost));
  }

  @Test
  void anOriginPastItsCeiling_hasItsNewIdentitiesCountedTogether_whileOthersGetTheirOwn() {
    InMemoryStore s = store(1_000, 5);
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 3, HOUR)));

    for (long k = 100; k < 105; k++) { // five of its own
      assertThat(charge(s, g, FLOODER, k, 1).kind()).isEqualTo(Verdict.Kind.ADMITTED);
    }
    int admitted = 0;
    for (long k = 105; k < 200; k++) { // then one bucket of 3/hour between all the rest
      Verdict v = charge(s, g, FLOODER, k, 1);
      assertThat(v.kind()).isNotEqualTo(Verdict.Kind.FULL);
      admitted += v.admitted() ? 1 : 0;
    }

    assertThat(admitted).isEqualTo(3);
    assertThat(charge(s, g, BOB, 7, 3).kind())
        .as("another origin's new identity: a bucket of its own, exactly 3")
        .isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(charge(s, g, BOB, 7, 1).kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(s.size()).as("5 + 1 + 1 buckets, 2 origins").isEqualTo(9);
    assertThat(s.overflows()).isEqualTo(Map.of("api", Map.of(Overflow.CEILING, 95L)));
  }

  @Test
  void theCeilingIsPerMinute_soAnOriginMayIntroduceNewIdentitiesAgainNextMinute() {
    InMemoryStore s = store(1_000, 2);
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 1, HOUR)));
    charge(s, g, FLOODER, 10, 1);
    charge(s, g, FLOODER, 11, 1);
    assertThat(charge(s, g, FLOODER, 12, 1).kind()).isEqualTo(Verdict.Kind.ADMITTED); // overflow
    assertThat(charge(s, g, FLOODER, 13, 1).kind()).isEqualTo(Verdict.Kind.DENIED); // overflow

    ticker.advance(Duration.ofMinutes(1));

    assertThat(charge(s, g, FLOODER, 13, 1).kind())
        .as("a bucket of its own again")
        .isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(charge(s, g, FLOODER, 13, 1).kind()).isEqualTo(Verdict.Kind.DENIED);
  }

  @Test
  void pastTheIdentityCap_newIdentitiesAreCountedPerOrigin_andTrackedOnesStayExact() {
    InMemoryStore s = store(100, 0); // identity cap 90, then 10 overflow buckets
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));
    charge(s, g, ALICE, 1, 2);
    for (long k = 1_000; k < 1_089; k++) { // 89 more: the identity cap
      charge(s, g, 500 + k, k, 1);
    }
    assertThat(s.size()).isEqualTo(90);

    for (int i = 0; i < 5; i++) {
      assertThat(charge(s, g, BOB, 2_000 + i, 1).kind())
          .as("Bob's new identities share one bucket of 5/hour")
          .isEqualTo(Verdict.Kind.ADMITTED);
    }
    assertThat(charge(s, g, BOB, 2_100, 1).kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(charge(s, g, ALICE, 1, 3).kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(charge(s, g, ALICE, 1, 1).kind())
        .as("Alice, counted before, exactly 5")
        .isEqualTo(Verdict.Kind.DENIED);
    assertThat(s.size()).isEqualTo(91);
    assertThat(s.overflows().get("api")).isEqualTo(Map.of(Overflow.RESERVE, 6L));
  }

  @Test
  void atTheHardCap_newIdentitiesShareTheRulesBucket_andAreNeverRefused() {
    InMemoryStore s = store(20, 0); // identity cap 18, then 2 overflow buckets
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 4, HOUR)));
    for (long k = 0; k < 20; k++) { // 18 own buckets, 2 origins' overflow buckets
      charge(s, g, 100 + k, k, 1);
    }
    assertThat(s.size()).isEqualTo(20);

    int admitted = 0;
    for (long k = 50; k < 60; k++) {
      Verdict v = charge(s, g, 300 + k, k, 1);
      assertThat(v.kind()).isNotEqualTo(Verdict.Kind.FULL);
      admitted += v.admitted() ? 1 : 0;
    }

    assertThat(admitted).as("one shared bucket of 4/hour").isEqualTo(4);
    assertThat(s.size()).isEqualTo(20);
    assertThat(s.refusedForFull()).isZero();
    assertThat(s.overflows().get("api"))
        .isEqualTo(Map.of(Overflow.RESERVE, 2L, Overflow.SHARED, 10L));
  }

  @Test
  void aChargeWithoutOrigin_pastTheIdentityCap_isCountedInTheSharedBucket() {
    InMemoryStore s = store(10, 0);
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 4, HOUR)));
    for (long k = 0; k < 9; k++) {
      s.charge(new Charge(1).add(g, k, 1));
    }

    assertThat(s.charge(new Charge(1).add(g, 99, 4)).kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(s.charge(new Charge(1).add(g, 98, 1)).kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(s.overflows().get("api")).isEqualTo(Map.of(Overflow.SHARED, 2L));
  }

  @Test
  void overflowBucketsExpire_andThenNewIdentitiesGetBucketsOfTheirOwnAgain() {
    InMemoryStore s = store(10, 0);
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 4, HOUR)));
    for (long k = 0; k < 10; k++) {
      charge(s, g, 100 + k, k, 1);
    }
    assertThat(s.overflows().get("api")).containsKey(Overflow.RESERVE);

    ticker.advance(Duration.ofHours(2));
    s.sweep();

    assertThat(s.size()).isZero();
    assertThat(charge(s, g, BOB, 77, 4).kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(s.size()).isEqualTo(1);
  }

  @Test
  void twoNewKeysOfOneRuleCountedInOneOverflowBucket_areRefusedTogether_andCounted() {
    InMemoryStore s = store(1_000, 1);
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 4, HOUR)));
    charge(s, g, FLOODER, 1, 1);

    Verdict v = s.charge(new Charge(2).origin(() -> FLOODER).add(g, 2, 1).add(g, 3, 1));

    assertThat(v.kind()).isEqualTo(Verdict.Kind.FULL);
    assertThat(s.refusedForFull()).isEqualTo(1);
    assertThat(s.overflows().get("api")).containsEntry(Overflow.REFUSED, 1L);
  }

  @Test
  void aNegativeCeiling_isRefusedWithAClearError() {
    assertThatThrownBy(() -> InMemoryStore.builder().maxNewIdentitiesPerOrigin(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the ceiling on new identities per client must be 0 (none) or more, got -1");
  }

  @Test
  void aKeyedLimiter_refusesOverflow_whichItCannotDo() {
    assertThatThrownBy(
            () ->
                KeyedLimiter.<String>builder(LimitKind.FIXED.of("hourly", 1, HOUR))
                    .whenFull(WhenFull.OVERFLOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use REJECT or ADMIT_UNTRACKED");
  }

  @Test
  void theCapacities_areReported() {
    InMemoryStore s = store(1_000, 5);

    assertThat(s.capacity()).isEqualTo(1_000);
    assertThat(s.identityCapacity()).isEqualTo(900);
    assertThat(
            InMemoryStore.builder()
                .maxBuckets(1_000)
                .whenFull(WhenFull.REJECT)
                .build()
                .identityCapacity())
        .isEqualTo(1_000);
  }
}
