package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.LimitStatus;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.policy.Limit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class InMemoryStoreTest extends StoreContract {
  private static final Duration SECOND = Duration.ofSeconds(1);

  @Override
  protected Store newStore(ManualTicker ticker) {
    return InMemoryStore.builder().ticker(ticker).executor(Runnable::run).build();
  }

  private InMemoryStore memory() {
    return (InMemoryStore) store;
  }

  private InMemoryStore build(UnaryOperator<InMemoryStore.Builder> settings) {
    return settings.apply(InMemoryStore.builder().ticker(ticker).executor(Runnable::run)).build();
  }

  // ---- expiry ----

  @Test
  public void sweep_forgetsExpiredBuckets() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("per-second", 5, SECOND)));
    for (int k = 0; k < 100; k++) {
      charge(g, k, 1);
    }
    assertThat(memory().size()).isEqualTo(100);

    advance(Duration.ofSeconds(2));
    memory().sweep();

    assertThat(memory().size()).isZero();
  }

  @Test
  public void sweep_beforeExpiry_keepsBucketsAndTheirCounts() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));
    charge(g, 1, 2);

    advance(Duration.ofMinutes(10));
    memory().sweep();

    assertThat(memory().size()).isEqualTo(1);
    assertThat(remaining(g, 1, 0)).isEqualTo(3);
  }

  @Test
  public void sweep_keepsABucketUntilItsLongestLimitExpires() {
    BucketGroup g =
        store.group(
            "api",
            List.of(
                LimitKind.FIXED.of("per-second", 5, SECOND),
                LimitKind.SLIDING.of("hourly", 50, HOUR)));
    charge(g, 1, 2);

    advance(Duration.ofSeconds(2));
    memory().sweep();

    assertThat(memory().size()).isEqualTo(1);
    assertThat(read(g, 1)).extracting(LimitStatus::remaining).containsExactly(5L, 48L);
  }

  @Test
  public void sweep_deniedChargesDoNotExtendABucketsLife() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("per-second", 1, SECOND)));
    charge(g, 1, 1);
    advance(Duration.ofMillis(400));
    assertThat(charge(g, 1, 1).kind()).isEqualTo(Verdict.Kind.DENIED);

    advance(Duration.ofSeconds(1));
    memory().sweep();

    assertThat(memory().size()).isZero();
  }

  @Test
  public void sweep_neverChangesADecision() {
    InMemoryStore swept = build(b -> b);
    InMemoryStore kept = build(b -> b);
    List<Limit> limits =
        List.of(
            LimitKind.FIXED.of("fixed", 4, SECOND),
            LimitKind.SLIDING.of("sliding", 6, Duration.ofSeconds(2)),
            LimitKind.TOKEN_BUCKET.of("bucket", 5, Duration.ofMillis(1500)),
            LimitKind.LIFETIME.of("budget", 9, Duration.ofSeconds(3)));
    BucketGroup a = swept.group("api", limits);
    BucketGroup b = kept.group("api", limits);
    Random random = new Random(42);

    for (int i = 0; i < 5_000; i++) {
      long key = random.nextInt(8);
      long cost = random.nextInt(4);
      Verdict va = swept.charge(new Charge(1).add(a, key, cost));
      Verdict vb = kept.charge(new Charge(1).add(b, key, cost));
      assertThat(va).as("request %d", i).isEqualTo(vb);
      ticker.advance(
          Duration.ofMillis(random.nextInt(10) == 0 ? random.nextInt(5_000) : random.nextInt(50)));
      swept.sweep();
    }
    assertThat(swept.size()).isLessThanOrEqualTo(kept.size());
  }

  @Test
  public void periodicSweep_runsWhenANewKeyArrivesAfterTheInterval() {
    InMemoryStore s = build(b -> b.sweepInterval(MINUTE));
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("per-second", 5, SECOND)));
    for (int k = 0; k < 10; k++) {
      s.charge(new Charge(1).add(g, k, 1));
    }

    ticker.advance(Duration.ofSeconds(30));
    s.charge(new Charge(1).add(g, 100, 1));
    assertThat(s.size()).as("the interval has not passed").isEqualTo(11);

    ticker.advance(Duration.ofSeconds(31));
    s.charge(new Charge(1).add(g, 101, 1));
    assertThat(s.size()).as("swept: only the new key is left").isEqualTo(1);
  }

  @Test
  public void sweepScheduling_survivesAnExecutorThatRejects() {
    InMemoryStore s =
        build(
            b ->
                b.sweepInterval(SECOND)
                    .executor(
                        r -> {
                          throw new RejectedExecutionException("shut down");
                        }));
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("per-second", 5, SECOND)));

    for (int k = 0; k < 5; k++) {
      ticker.advance(Duration.ofSeconds(2));
      assertThat(s.charge(new Charge(1).add(g, k, 1)).kind()).isEqualTo(Verdict.Kind.ADMITTED);
    }
    s.sweep();

    assertThat(s.size()).isEqualTo(1);
  }

  // ---- the cap ----

  @Test
  public void full_reject_refusesNewKeys_whileTrackedKeysAreStillCountedExactly() {
    InMemoryStore s = build(b -> b.maxBuckets(3).whenFull(WhenFull.REJECT));
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));
    for (int k = 1; k <= 3; k++) {
      assertThat(s.charge(new Charge(1).add(g, k, 1)).kind()).isEqualTo(Verdict.Kind.ADMITTED);
    }

    Verdict refused = s.charge(new Charge(1).add(g, 4, 1));

    assertThat(refused.kind()).isEqualTo(Verdict.Kind.FULL);
    assertThat(refused.admitted()).isFalse();
    assertThat(refused.statuses()).isEmpty();
    assertThat(s.refusedForFull()).isEqualTo(1);
    assertThat(s.size()).isEqualTo(3);
    for (int k = 1; k <= 3; k++) {
      for (int i = 0; i < 4; i++) {
        assertThat(s.charge(new Charge(1).add(g, k, 1)).kind()).isEqualTo(Verdict.Kind.ADMITTED);
      }
      assertThat(s.charge(new Charge(1).add(g, k, 1)).kind())
          .as("key %d is not reset", k)
          .isEqualTo(Verdict.Kind.DENIED);
    }
  }

  @Test
  public void full_reject_aChargeWithOneNewKey_chargesNothing() {
    InMemoryStore s = build(b -> b.maxBuckets(1).whenFull(WhenFull.REJECT));
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));
    s.charge(new Charge(1).add(g, 1, 1));

    Verdict v = s.charge(new Charge(2).add(g, 1, 2).add(g, 2, 2));

    assertThat(v.kind()).isEqualTo(Verdict.Kind.FULL);
    assertThat(s.charge(new Charge(1).add(g, 1, 0)).statuses().get(0).remaining()).isEqualTo(4);
  }

  @Test
  public void full_admitUntracked_admitsNewKeysWithoutCountingThem() {
    InMemoryStore s = build(b -> b.maxBuckets(2).whenFull(WhenFull.ADMIT_UNTRACKED));
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 2, HOUR)));
    s.charge(new Charge(1).add(g, 1, 1));
    s.charge(new Charge(1).add(g, 2, 1));

    for (int i = 0; i < 5; i++) {
      Verdict v = s.charge(new Charge(1).add(g, 3, 2));
      assertThat(v.kind()).isEqualTo(Verdict.Kind.ADMITTED);
      assertThat(v.statuses().get(0).remaining()).as("a fresh bucket each time").isZero();
    }

    assertThat(s.charge(new Charge(1).add(g, 3, 3)).kind())
        .as("a cost no bucket can hold")
        .isEqualTo(Verdict.Kind.DENIED);
    assertThat(s.size()).isEqualTo(2);
    assertThat(s.refusedForFull()).isEqualTo(6);
    assertThat(s.charge(new Charge(1).add(g, 1, 1)).kind()).isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(s.charge(new Charge(1).add(g, 1, 1)).kind())
        .as("tracked keys still counted")
        .isEqualTo(Verdict.Kind.DENIED);
  }

  @Test
  public void full_expiredBucketsMakeRoomForNewKeys() {
    InMemoryStore s = build(b -> b.maxBuckets(2));
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("per-second", 5, SECOND)));
    s.charge(new Charge(1).add(g, 1, 1));
    s.charge(new Charge(1).add(g, 2, 1));

    ticker.advance(Duration.ofSeconds(2));
    Verdict v = s.charge(new Charge(1).add(g, 3, 1));

    assertThat(v.kind())
        .as("a sweep at the cap frees the expired buckets")
        .isEqualTo(Verdict.Kind.ADMITTED);
    assertThat(s.size()).isEqualTo(1);
  }

  @Test
  public void flood_tenTimesTheCapInNewKeys_neverHoldsMoreThanTheCap() {
    InMemoryStore s = build(b -> b.maxBuckets(100).whenFull(WhenFull.REJECT));
    BucketGroup g = s.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));
    BucketGroup h = s.group("other", List.of(LimitKind.SLIDING.of("other-hourly", 5, HOUR)));

    for (int k = 0; k < 1_000; k++) {
      s.charge(new Charge(1).add(k % 2 == 0 ? g : h, k, 1));
      assertThat(s.size()).isLessThanOrEqualTo(100);
    }

    assertThat(s.size()).isEqualTo(100);
    assertThat(s.refusedForFull()).isEqualTo(900);
  }

  // ---- groups ----

  @Test
  public void group_ofAnotherStore_isRejected() {
    InMemoryStore other = build(b -> b);
    BucketGroup foreign = other.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));

    assertThatThrownBy(() -> charge(foreign, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bucket group 'api' belongs to another store");
  }

  @Test
  public void charge_namingTheSameBucketTwice_isRejected_notADeadlock() {
    BucketGroup g = store.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));

    assertThatThrownBy(() -> store.charge(new Charge(2).add(g, 7, 1).add(g, 7, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the charge names bucket 7 of rule 'api' twice");
  }

  @Test
  public void group_withoutLimits_isRejected() {
    assertThatThrownBy(() -> store.group("api", List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at least one limit is needed");
  }

  @Test
  public void group_reboundWithChangedLimits_keepsTheOldBucketsCountedUntilTheyExpire() {
    BucketGroup before = store.group("api", List.of(LimitKind.FIXED.of("hourly", 5, HOUR)));
    for (int k = 0; k < 10; k++) {
      charge(before, k, 1);
    }

    store.group("api", List.of(LimitKind.FIXED.of("hourly", 6, HOUR)));
    assertThat(memory().size())
        .as("an engine on the old policy may still be charging them")
        .isEqualTo(10);

    advance(HOUR);
    memory().sweep();
    assertThat(memory().size()).isZero();
  }

  @Test
  public void group_revertedToEarlierLimits_startsAfresh() {
    List<Limit> original = List.of(LimitKind.FIXED.of("hourly", 5, HOUR));
    charge(store.group("api", original), 1, 5);
    store.group("api", List.of(LimitKind.FIXED.of("hourly", 6, HOUR)));

    BucketGroup reverted = store.group("api", original);

    assertThat(remaining(reverted, 1, 0)).as("the limits changed twice: start afresh").isEqualTo(5);
  }

  @Test
  public void group_revertedToEarlierLimits_bucketsAreStillSweptAndCounted() {
    InMemoryStore s = build(b -> b.maxBuckets(50));
    List<Limit> original = List.of(LimitKind.FIXED.of("per-second", 5, SECOND));
    s.group("api", original);
    s.group("api", List.of(LimitKind.FIXED.of("per-second", 6, SECOND)));
    BucketGroup reverted = s.group("api", original);

    for (int round = 0; round < 5; round++) {
      for (int k = 0; k < 40; k++) {
        assertThat(s.charge(new Charge(1).add(reverted, round * 100 + k, 1)).kind())
            .as("round %d key %d", round, k)
            .isEqualTo(Verdict.Kind.ADMITTED);
      }
      assertThat(s.size()).isEqualTo(40);
      ticker.advance(Duration.ofSeconds(2));
      s.sweep();
      assertThat(s.size()).isZero();
    }
  }

  // ---- builder ----

  @Test
  public void builder_rejectsBadSettings() {
    assertThatThrownBy(() -> InMemoryStore.builder().maxBuckets(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the bucket cap must be at least 1, got 0");
    assertThatThrownBy(() -> InMemoryStore.builder().sweepInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the sweep interval must be positive, got PT0S");
    assertThatThrownBy(() -> InMemoryStore.builder().sweepInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the sweep interval must be positive, got PT-1S");
    assertThatThrownBy(() -> InMemoryStore.builder().sweepInterval(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("sweepInterval");
    assertThatThrownBy(() -> InMemoryStore.builder().sweepInterval(Duration.ofNanos(999_999)))
        .as("0 microseconds: a sweep on every new key")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the sweep interval must be between 1ms and 100 years, got PT0.000999999S");
    assertThatThrownBy(
            () -> InMemoryStore.builder().sweepInterval(Duration.ofSeconds(Long.MAX_VALUE)))
        .as("refused when set, not an ArithmeticException from build()")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the sweep interval must be between 1ms and 100 years, got PT");
    assertThat(InMemoryStore.builder().sweepInterval(Duration.ofDays(366 * 100)).build().size())
        .isZero();
    assertThatThrownBy(() -> InMemoryStore.builder().ticker(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("ticker");
    assertThatThrownBy(() -> InMemoryStore.builder().whenFull(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("whenFull");
    assertThatThrownBy(() -> InMemoryStore.builder().executor(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("executor");
  }

  @Test
  public void create_startsEmpty() {
    try (InMemoryStore s = InMemoryStore.create()) {
      assertThat(s.size()).isZero();
      assertThat(s.refusedForFull()).isZero();
      assertThat(s).hasToString("InMemoryStore[0 buckets]");
    }
  }

  @Test
  public void size_countsBucketsOverAllGroups() {
    List<BucketGroup> groups = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      groups.add(store.group("rule" + r, List.of(LimitKind.FIXED.of("limit" + r, 5, HOUR))));
    }
    for (BucketGroup g : groups) {
      charge(g, 1, 1);
      charge(g, 2, 1);
    }

    assertThat(memory().size()).isEqualTo(6);
  }
}
