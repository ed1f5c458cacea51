package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.LimitStatus;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.policy.Limit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link Store} contract, as tests every store's suite extends (see also {@link
 * StoreConcurrencyContract}): all or nothing, exact statuses per algorithm, reads at cost 0,
 * statuses in charge order, and what rebinding a group keeps.
 *
 * <p>A store on a clock of its own (Redis uses Redis time) overrides {@link #advance} to move that
 * clock, and must hold it still between calls otherwise: the expected figures are computed from
 * each {@link Verdict#nowMicros()}, but several tests rely on no window turning over unless they
 * advance time. The in-memory store reads the {@link ManualTicker} passed to {@link #newStore}.
 */
@SuppressWarnings("exports") // JUnit annotations on a test API: not the module's API
public abstract class StoreContract extends StoreFixture {

  /** For store suites to extend. */
  protected StoreContract() {}

  // ---- helpers ----

  protected Verdict charge(BucketGroup g, long key, long cost) {
    return store.charge(new Charge(1).add(g, key, cost));
  }

  /** The statuses of {@code g}'s bucket {@code key}, read at cost 0 (which charges nothing). */
  protected List<LimitStatus> read(BucketGroup g, long key) {
    Verdict v = charge(g, key, 0);
    assertThat(v.kind()).as("a read at cost 0 is always admitted").isEqualTo(Verdict.Kind.ADMITTED);
    return v.statuses();
  }

  protected long remaining(BucketGroup g, long key, int limit) {
    return read(g, key).get(limit).remaining();
  }

  protected static long micros(Duration d) {
    return d.toNanos() / 1_000;
  }

  /** The next boundary of a {@code window}-long, epoch-aligned window after {@code now}. */
  protected static long nextBoundary(long now, Duration window) {
    long w = micros(window);
    return (Math.floorDiv(now, w) + 1) * w;
  }

  // ---- counting ----

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  public void charge_withinCapacity_admitsAndCountsDown_thenDenies(LimitKind kind) {
    BucketGroup g = store.group("api", List.of(kind.of("quota", 3, DAY)));

    for (long left = 2; left >= 0; left--) {
      Verdict v = charge(g, 1, 1);
      assertThat(v.kind()).isEqualTo(Verdict.Kind.ADMITTED);
      assertThat(v.statuses())
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.passed()).isTrue();
                assertThat(s.retryAtMicros()).isZero();
              });
      assertThat(v.statuses().get(0).remaining()).isEqualTo(left);
    }
    Verdict denied = charge(g, 1, 1);

    assertThat(denied.kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(denied.admitted()).isFalse();
    LimitStatus s = denied.statuses().get(0);
    assertThat(s.passed()).isFalse();
    assertThat(s.remaining()).isZero();
    assertThat(s.retryAtMicros()).isGreaterThan(denied.nowMicros());
    assertThat(s.neverPasses()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  public void aDryRun_answersAsTheChargeWouldAndChargesNothing(LimitKind kind) {
    BucketGroup g = store.group("api", List.of(kind.of("quota", 3, DAY)));
    BucketGroup other = store.group("other", List.of(kind.of("quota", 10, DAY)));
    charge(g, 1, 1);

    Verdict fits = store.charge(new Charge(2).dryRun(true).add(g, 1, 2).add(other, 1, 4));
    Verdict tooMuch = store.charge(new Charge(1).dryRun(true).add(g, 1, 3));

    assertThat(fits.kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(fits.statuses())
        .extracting(LimitStatus::remaining)
        .as("what would remain after it")
        .containsExactly(0L, 6L);
    assertThat(tooMuch.kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(remaining(g, 1, 0)).as("the dry runs charged nothing").isEqualTo(2);
    assertThat(remaining(other, 1, 0)).isEqualTo(10);
    Verdict real = charge(g, 1, 2);
    assertThat(real.kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(real.statuses().get(0)).isEqualTo(fits.statuses().get(0));
  }

  @Test
  public void charge_fixedWindow_resetAndRetryAtTheNextBoundary() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("hourly", 2, HOUR)));

    Verdict first = charge(g, 1, 1);
    charge(g, 1, 1);
    Verdict denied = charge(g, 1, 1);

    long boundary = nextBoundary(first.nowMicros(), HOUR);
    assertThat(first.statuses().get(0))
        .isEqualTo(new LimitStatus("api", g.limits().get(0), true, 1, boundary, 0));
    assertThat(denied.statuses().get(0))
        .isEqualTo(new LimitStatus("api", g.limits().get(0), false, 0, boundary, boundary));
  }

  @Test
  public void charge_fixedWindow_nextWindowCountsAfresh() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("minutely", 2, MINUTE)));
    charge(g, 1, 2);
    Verdict denied = charge(g, 1, 1);

    advance(
        Duration.ofNanos((denied.statuses().get(0).retryAtMicros() - denied.nowMicros()) * 1_000));
    Verdict v = charge(g, 1, 2);

    assertThat(v.kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(v.nowMicros()).isEqualTo(denied.statuses().get(0).retryAtMicros());
  }

  @Test
  public void charge_slidingWindow_previousWindowWeighsInByItsOverlap() {
    BucketGroup g = store.group("api", List.of(LimitKind.SLIDING.of("minutely", 4, MINUTE)));
    long w = micros(MINUTE);

    Verdict full = charge(g, 1, 4);
    long index = Math.floorDiv(full.nowMicros(), w);
    assertThat(full.statuses().get(0).remaining()).isZero();
    assertThat(full.statuses().get(0).resetAtMicros())
        .as("the current window weighs in for two windows")
        .isEqualTo((index + 2) * w);

    Verdict denied = charge(g, 1, 1);
    // Next window: 4 * (W - e) / W + 1 <= 4 first holds at e = W / 4.
    assertThat(denied.statuses().get(0).retryAtMicros()).isEqualTo((index + 1) * w + w / 4);

    advance(Duration.ofNanos(((index + 1) * w + w / 4 - denied.nowMicros()) * 1_000));
    Verdict retried = charge(g, 1, 1);
    assertThat(retried.kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(retried.statuses().get(0).remaining()).as("4 * 3/4 + 1 = 4 counted").isZero();
    assertThat(charge(g, 1, 1).kind()).isEqualTo(Verdict.Kind.DENIED);
  }

  @Test
  public void charge_tokenBucket_paysBackOneUnitPerEmissionInterval() {
    Limit limit =
        Limit.tokenBucket("rate", 10, dev.sluice.core.policy.Window.of(Duration.ofSeconds(1)), 5);
    BucketGroup g = store.group("api", List.of(limit));

    Verdict burst = charge(g, 1, 5);
    Verdict denied = charge(g, 1, 1);

    long t = burst.nowMicros();
    assertThat(burst.statuses().get(0))
        .isEqualTo(new LimitStatus("api", limit, true, 0, t + 500_000, 0));
    assertThat(denied.statuses().get(0))
        .isEqualTo(new LimitStatus("api", limit, false, 0, t + 500_000, t + 100_000));
    advance(Duration.ofMillis(100));
    assertThat(charge(g, 1, 1).kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(charge(g, 1, 1).kind()).isEqualTo(Verdict.Kind.DENIED);
  }

  @Test
  public void charge_lifetimeBudget_forgottenOneRetentionAfterFirstCharge() {
    BucketGroup g = store.group("api", List.of(LimitKind.LIFETIME.of("budget", 3, DAY)));

    Verdict first = charge(g, 1, 1);
    advance(HOUR);
    Verdict last = charge(g, 1, 2);
    Verdict denied = charge(g, 1, 1);

    long forgetAt = first.nowMicros() + micros(DAY);
    assertThat(first.statuses().get(0).resetAtMicros()).isEqualTo(forgetAt);
    assertThat(last.statuses().get(0).resetAtMicros())
        .as("later charges do not move it")
        .isEqualTo(forgetAt);
    assertThat(denied.statuses().get(0).retryAtMicros()).isEqualTo(forgetAt);
    advance(DAY.minus(HOUR));
    assertThat(charge(g, 1, 3).kind()).isEqualTo(Verdict.Kind.ADMITTED);
  }

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  public void charge_costAboveCapacity_neverPassesAndChargesNothing(LimitKind kind) {
    BucketGroup g = store.group("api", List.of(kind.of("quota", 3, DAY)));
    charge(g, 1, 1);

    Verdict v = charge(g, 1, 4);

    assertThat(v.kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(v.statuses().get(0).neverPasses()).isTrue();
    assertThat(v.statuses().get(0).retryAtMicros()).isEqualTo(Long.MAX_VALUE);
    assertThat(remaining(g, 1, 0)).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  public void charge_costZero_readsWithoutCharging(LimitKind kind) {
    BucketGroup g = store.group("api", List.of(kind.of("quota", 5, DAY)));
    charge(g, 1, 2);

    for (int i = 0; i < 10; i++) {
      Verdict read = charge(g, 1, 0);
      assertThat(read.kind()).isEqualTo(Verdict.Kind.ADMITTED);
      assertThat(read.statuses().get(0).remaining()).isEqualTo(3);
    }
    assertThat(charge(g, 1, 3).kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(charge(g, 1, 0).kind())
        .as("a read passes even when nothing is left")
        .isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(charge(g, 1, 1).kind()).isEqualTo(Verdict.Kind.DENIED);
  }

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  public void charge_afterTheStateExpires_theWholeCapacityIsBack(LimitKind kind) {
    BucketGroup g = store.group("api", List.of(kind.of("quota", 3, MINUTE)));
    charge(g, 1, 3);
    assertThat(charge(g, 1, 1).kind()).isEqualTo(Verdict.Kind.DENIED);

    advance(Duration.ofMinutes(3));

    assertThat(charge(g, 1, 3).kind()).isEqualTo(Verdict.Kind.ADMITTED);
  }

  // ---- all or nothing ----

  @Test
  public void charge_deniedByOneLimit_chargesNoOtherLimitOfTheBucket() {
    BucketGroup g =
        store.group(
            "api",
            List.of(
                LimitKind.FIXED.of("fixed", 10, DAY),
                LimitKind.SLIDING.of("sliding", 10, DAY),
                LimitKind.TOKEN_BUCKET.of("bucket", 10, DAY),
                LimitKind.LIFETIME.of("small", 3, DAY)));
    charge(g, 1, 2);

    Verdict denied = charge(g, 1, 2);

    assertThat(denied.kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(denied.statuses())
        .extracting(LimitStatus::passed)
        .containsExactly(true, true, true, false);
    assertThat(denied.statuses())
        .as("limits that passed are reported as they stand, uncharged")
        .extracting(LimitStatus::remaining)
        .containsExactly(8L, 8L, 8L, 1L);
    assertThat(read(g, 1)).extracting(LimitStatus::remaining).containsExactly(8L, 8L, 8L, 1L);
    Verdict v = charge(g, 1, 1);
    assertThat(v.kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(v.statuses()).extracting(LimitStatus::remaining).containsExactly(7L, 7L, 7L, 0L);
  }

  @ParameterizedTest
  @EnumSource(LimitKind.class)
  public void charge_deniedByAnyKindOfLimit_chargesTheOthersNothing(LimitKind denying) {
    BucketGroup g =
        store.group(
            "api",
            List.of(
                LimitKind.FIXED.of("big-fixed", 100, DAY),
                denying.of("small", 3, DAY),
                LimitKind.TOKEN_BUCKET.of("big-bucket", 100, DAY)));

    for (int i = 0; i < 20; i++) {
      charge(g, 1, 2);
    }

    assertThat(read(g, 1))
        .as("one charge of 2 passed; the other 19 were denied and charged nothing")
        .extracting(LimitStatus::remaining)
        .containsExactly(98L, 1L, 98L);
  }

  @Test
  public void charge_deniedInOneBucket_chargesNoOtherBucket() {
    BucketGroup perUser =
        store.group("per-user", List.of(LimitKind.FIXED.of("user-hourly", 5, HOUR)));
    BucketGroup perIp = store.group("per-ip", List.of(LimitKind.SLIDING.of("ip-hourly", 2, HOUR)));
    BucketGroup global =
        store.group("global", List.of(LimitKind.TOKEN_BUCKET.of("global-daily", 50, DAY)));
    Charge c = new Charge(3).add(perUser, 1, 1).add(global, 0, 1).add(perIp, 9, 1);
    assertThat(store.charge(c).kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(store.charge(c).kind()).isEqualTo(Verdict.Kind.ADMITTED);

    Verdict denied = store.charge(c);

    assertThat(denied.kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(denied.statuses())
        .extracting(LimitStatus::passed)
        .containsExactly(true, true, false);
    assertThat(denied.statuses()).extracting(LimitStatus::remaining).containsExactly(3L, 48L, 0L);
    assertThat(remaining(perUser, 1, 0)).isEqualTo(3);
    assertThat(remaining(global, 0, 0)).isEqualTo(48);
    assertThat(charge(perUser, 1, 3).kind()).isEqualTo(Verdict.Kind.ADMITTED);
  }

  @Test
  public void charge_deniedForOneKey_chargesNoOtherKeyOfTheGroup() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("hourly", 4, HOUR)));
    charge(g, 2, 3);

    Verdict denied = store.charge(new Charge(2).add(g, 1, 2).add(g, 2, 2));

    assertThat(denied.kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(remaining(g, 1, 0)).isEqualTo(4);
    assertThat(remaining(g, 2, 0)).isEqualTo(1);
  }

  @Test
  public void charge_manyDenials_neverChargeAnything() {
    BucketGroup a = store.group("a", List.of(LimitKind.FIXED.of("a-limit", 1_000, DAY)));
    BucketGroup b = store.group("b", List.of(LimitKind.SLIDING.of("b-limit", 1, DAY)));
    charge(b, 7, 1);

    for (int i = 0; i < 100; i++) {
      assertThat(store.charge(new Charge(2).add(a, 7, 5).add(b, 7, 1)).kind())
          .isEqualTo(Verdict.Kind.DENIED);
    }

    assertThat(remaining(a, 7, 0)).isEqualTo(1_000);
  }

  // ---- statuses ----

  @Test
  public void verdict_statusesFollowChargeOrder_bucketByBucketThenLimitByLimit() {
    BucketGroup a =
        store.group(
            "a", List.of(LimitKind.FIXED.of("a1", 5, HOUR), LimitKind.SLIDING.of("a2", 6, HOUR)));
    BucketGroup b = store.group("b", List.of(LimitKind.TOKEN_BUCKET.of("b1", 7, DAY)));

    Verdict v = store.charge(new Charge(3).add(b, 1, 1).add(a, 1, 2).add(b, 2, 3));

    assertThat(v.statuses()).extracting(LimitStatus::rule).containsExactly("b", "a", "a", "b");
    assertThat(v.statuses())
        .extracting(s -> s.limit().name())
        .containsExactly("b1", "a1", "a2", "b1");
    assertThat(v.statuses()).extracting(LimitStatus::remaining).containsExactly(6L, 3L, 4L, 4L);
  }

  @Test
  public void verdict_nowMicros_isTheStoreClock() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("daily", 5, DAY)));
    Verdict before = charge(g, 1, 1);

    advance(Duration.ofSeconds(10));
    Verdict after = charge(g, 1, 1);

    assertThat(after.nowMicros() - before.nowMicros()).isGreaterThanOrEqualTo(10_000_000L);
  }

  @Test
  public void charge_noBuckets_isAdmittedWithNoStatuses() {
    Verdict v = store.charge(new Charge(0));

    assertThat(v.kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(v.statuses()).isEmpty();
  }

  @Test
  public void chargeAsync_answersAsChargeDoes() throws Exception {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("hourly", 2, HOUR)));

    Verdict first =
        store
            .chargeAsync(new Charge(1).add(g, 1, 2))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    Verdict second =
        store
            .chargeAsync(new Charge(1).add(g, 1, 1))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);

    assertThat(first.kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(second.kind()).isEqualTo(Verdict.Kind.DENIED);
    assertThat(remaining(g, 1, 0)).isZero();
  }

  // ---- independence ----

  @Test
  public void charge_sameKeyInTwoGroups_countsSeparately() {
    BucketGroup a = store.group("a", List.of(LimitKind.FIXED.of("a-hourly", 2, HOUR)));
    BucketGroup b = store.group("b", List.of(LimitKind.FIXED.of("b-hourly", 2, HOUR)));

    charge(a, 42, 2);

    assertThat(remaining(b, 42, 0)).isEqualTo(2);
  }

  @Test
  public void charge_twoKeysOfOneGroup_countSeparately() {
    BucketGroup g = store.group("api", List.of(LimitKind.SLIDING.of("hourly", 2, HOUR)));

    charge(g, 1, 2);

    assertThat(remaining(g, 2, 0)).isEqualTo(2);
    assertThat(remaining(g, -1, 0)).isEqualTo(2);
    assertThat(remaining(g, 1, 0)).isZero();
  }

  @Test
  public void group_sameLimitsUnderAnotherName_hasItsOwnBuckets() {
    List<Limit> limits = List.of(LimitKind.FIXED.of("hourly", 2, HOUR));
    BucketGroup a = store.group("a", limits);
    BucketGroup b = store.group("b", limits);

    charge(a, 1, 2);

    assertThat(remaining(b, 1, 0)).isEqualTo(2);
    assertThat(b.name().key()).isEqualTo("b");
    assertThat(b.limits()).isEqualTo(limits);
  }

  // ---- rebinding ----

  @Test
  public void group_reboundWithSameNameAndLimits_keepsCounts() {
    BucketGroup before =
        store.group(
            "api",
            List.of(
                LimitKind.FIXED.of("hourly", 5, HOUR), LimitKind.LIFETIME.of("budget", 9, DAY)));
    charge(before, 1, 2);

    BucketGroup after =
        store.group(
            "api",
            List.of(
                LimitKind.FIXED.of("hourly", 5, HOUR), LimitKind.LIFETIME.of("budget", 9, DAY)));

    assertThat(read(after, 1)).extracting(LimitStatus::remaining).containsExactly(3L, 7L);
    charge(after, 1, 1);
    assertThat(read(before, 1))
        .as("both handles reach the same buckets")
        .extracting(LimitStatus::remaining)
        .containsExactly(2L, 6L);
  }

  @Test
  public void group_reboundWithChangedLimits_startsAfresh() {
    BucketGroup before = store.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));
    charge(before, 1, 5);

    BucketGroup after = store.group("api", List.of(LimitKind.FIXED.of("hourly", 6, HOUR)));

    assertThat(remaining(after, 1, 0)).isEqualTo(6);
  }

  @Test
  public void group_reboundWithAnotherAlgorithm_startsAfresh() {
    BucketGroup before = store.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));
    charge(before, 1, 5);

    BucketGroup after = store.group("api", List.of(LimitKind.SLIDING.of("hourly", 5, HOUR)));

    assertThat(remaining(after, 1, 0)).isEqualTo(5);
  }

  @Test
  public void group_otherRulesKeepTheirCounts_whenOneRuleChanges() {
    BucketGroup kept = store.group("kept", List.of(LimitKind.FIXED.of("kept-hourly", 5, HOUR)));
    BucketGroup changed =
        store.group("changed", List.of(LimitKind.FIXED.of("changed-hourly", 5, HOUR)));
    charge(kept, 1, 2);
    charge(changed, 1, 2);

    BucketGroup keptAgain =
        store.group("kept", List.of(LimitKind.FIXED.of("kept-hourly", 5, HOUR)));
    BucketGroup changedAgain =
        store.group("changed", List.of(LimitKind.FIXED.of("changed-hourly", 7, HOUR)));

    assertThat(remaining(keptAgain, 1, 0)).isEqualTo(3);
    assertThat(remaining(changedAgain, 1, 0)).isEqualTo(7);
  }
}
