package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PacerTest {
  private static final long MS = 1_000_000L;
  private static final long GUARD = Pacer.GUARD_NANOS;
  private static final long NEVER = Long.MAX_VALUE;
  private final long t0 = 1_000_000 * MS;
  private final Pacer pacer = new Pacer(-1);

  /** Records an answer saying the window resets {@code resetMs} after t0. */
  private void answer(long atMs, long limit, long remaining, long resetMs) {
    pacer.record(t0 + atMs * MS, limit, remaining, t0 + resetMs * MS, -1);
  }

  private long reserveMs(long atMs) {
    return (pacer.reserve(t0 + atMs * MS, NEVER) - t0) / MS;
  }

  @Test
  void beforeAnyAnswer_requestsGoAtOnce() {
    for (int i = 0; i < 5; i++) {
      assertThat(reserveMs(0)).isZero();
    }
  }

  @Test
  void remainingQuota_isSpreadEvenlyUntilTheReset() {
    reserveMs(0);
    answer(0, 10, 4, 2000);

    List<Long> slots = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      slots.add(reserveMs(0));
    }

    assertThat(slots)
        .as("4 left, 2 s to go, the last slot was at 0: 2000 / 5 apart")
        .containsExactly(400L, 800L, 1200L, 1600L);
  }

  @Test
  void idleTimeline_startsTheSpreadAtNow() {
    reserveMs(0);
    answer(1000, 10, 4, 3000); // answered late; the slot at 0 is long past

    assertThat(reserveMs(1000)).isEqualTo(1000);
    assertThat(reserveMs(1000)).as("2000 ms / 4").isEqualTo(1500);
  }

  @Test
  void exhaustedQuota_sendsTheNextRequestAtTheResetPlusTheGuard() {
    reserveMs(0);
    answer(0, 10, 0, 2000);

    assertThat(pacer.reserve(t0, NEVER)).isEqualTo(t0 + 2000 * MS + GUARD);
  }

  @Test
  void aWindowThatHasJustBegun_startsAfterItsGuard() {
    reserveMs(0);
    answer(0, 10, 5, 2000);

    assertThat(reserveMs(2010)).as("10 ms after the reset").isEqualTo(2050);
  }

  @Test
  void concurrentThreads_getDistinctSlots_spacedApart() throws Exception {
    reserveMs(0);
    answer(0, 100, 50, 5100); // 50 left for 5.1 s after the slot at 0: one per 100 ms
    int threads = 8;
    int each = 5;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<Long>>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      results.add(
          pool.submit(
              () -> {
                start.await();
                List<Long> mine = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                  mine.add(pacer.reserve(t0, NEVER));
                }
                return mine;
              }));
    }
    start.countDown();
    List<Long> all = new ArrayList<>();
    for (Future<List<Long>> f : results) {
      all.addAll(f.get(10, TimeUnit.SECONDS));
    }
    pool.shutdown();
    Collections.sort(all);

    assertThat(all).doesNotHaveDuplicates().hasSize(threads * each);
    for (int i = 0; i < all.size(); i++) {
      assertThat(all.get(i)).isEqualTo(t0 + (i + 1) * 100 * MS);
    }
  }

  @Test
  void requestsInFlight_areSubtractedFromTheRemaining() {
    for (int i = 0; i < 5; i++) {
      reserveMs(0);
    }
    answer(0, 10, 9, 2000); // counted first; four more may be counted already, or not

    assertThat(slotsBefore(2000)).as("9 - 4 outstanding").isEqualTo(5);
  }

  @Test
  void anOlderWindowsLateAnswer_isIgnored() {
    reserveMs(0);
    answer(0, 10, 8, 4000);
    answer(10, 10, 9, 2000); // an older window's reset, arriving late

    assertThat(slotsBefore(4000)).isEqualTo(8);
  }

  @Test
  void outOfOrderAnswers_neverRaiseTheAllowanceWithinAWindow() {
    reserveMs(0);
    reserveMs(0);
    answer(0, 10, 3, 2000); // the later-counted request's answer arrives first: 3 - 1 in flight
    answer(1, 10, 4, 2000); // then the earlier one's: more remaining, but stale

    assertThat(slotsBefore(2000)).as("2, not 4").isEqualTo(2);
  }

  @Test
  void anAnswerFromANewerWindow_raisesTheAllowance() {
    reserveMs(0);
    reserveMs(0);
    answer(0, 10, 0, 1000);
    answer(1100, 10, 9, 2000); // the server already counts in the next window

    assertThat(slotsBefore(2000, 1100)).isEqualTo(9);
  }

  @Test
  void aRateLimitedAnswer_holdsEveryRequestUntilItsRetryAfter() {
    reserveMs(0);
    reserveMs(0);
    answer(0, 10, 5, 2000);
    pacer.record(t0, -1, 0, t0 + 3000 * MS, -1); // a 429 with Retry-After: 3

    assertThat(pacer.reserve(t0, NEVER)).isEqualTo(t0 + 3000 * MS + GUARD);
  }

  @Test
  void aShortRetryAfterInsideALongWindow_holdsEveryRequestUntilThen_notUntilTheWindowsEnd() {
    reserveMs(0);
    answer(0, 1000, 500, 50_000); // 500 left of a 60-second window, 50 s to go: 100 ms apart
    assertThat(reserveMs(0)).isEqualTo(99);
    pacer.refused(t0 + 100 * MS, -1, t0 + 1100 * MS, -1); // a 429 with Retry-After: 1

    assertThat(reserveMs(100))
        .as("held until the Retry-After and its guard, not until 50 s")
        .isEqualTo(1150);
    assertThat(reserveMs(100)).as("then paced again").isBetween(1200L, 1300L);
    assertThat(slotsBefore(50_000, 100))
        .as("what is left of the allowance, still spread until" + " the reset")
        .isEqualTo(499 - 2);
  }

  @Test
  void aShortRetryAfterEarlyInAKnownWindow_isNotIgnoredAsAnOlderWindowsAnswer() {
    reserveMs(0);
    pacer.record(t0, 100, 99, t0 + 60_000 * MS, 60_000 * MS);
    assertThat(reserveMs(60_000)).isEqualTo(60_050); // a new window: 60 s to 120 s
    pacer.refused(t0 + 60_100 * MS, -1, t0 + 62_100 * MS, -1); // Retry-After: 2

    assertThat(reserveMs(60_100)).isEqualTo(62_150);
  }

  @Test
  void aRetryAfterAtTheWindowsEnd_stillMeansRemainingZeroUntilThen() {
    reserveMs(0);
    answer(0, 10, 5, 2000);
    reserveMs(0);
    pacer.refused(t0, -1, t0 + 2100 * MS, -1); // within the tolerance of the reset

    assertThat(pacer.reserve(t0, NEVER)).isEqualTo(t0 + 2100 * MS + GUARD);
  }

  @Test
  void aSlotLaterThanTheCallerCanWait_isNotTaken_theRequestGoesAtOnce() {
    reserveMs(0);
    answer(0, 10, 0, 3_600_000); // exhausted for an hour

    assertThat(pacer.reserve(t0, t0 + 60_000 * MS)).as("never refuses").isEqualTo(t0);
    assertThat(pacer.reserve(t0, NEVER)).isEqualTo(t0 + 3_600_000 * MS + GUARD);
  }

  @Test
  void windowEnd_startsAFullWindow_afterItsGuard() {
    reserveMs(0);
    reserveMs(0); // in flight at the reset: if it lands in the next window, its answer says so
    pacer.record(t0, 4, 0, t0 + 1000 * MS, 2000 * MS);
    assertThat(reserveMs(0)).as("the first slot of the next window").isEqualTo(1050);

    assertThat(slotsBefore(3000, 1050)).as("limit 4, one of them taken").isEqualTo(3);
  }

  @Test
  void knownWindow_rollsOnWithoutWaitingForAnAnswer_atWindowOverLimitSpacing() {
    reserveMs(0);
    pacer.record(t0, 4, 0, t0 + 1000 * MS, 2000 * MS); // RateLimit-Policy w=2
    List<Long> slots = new ArrayList<>();
    long now = t0;
    for (int i = 0; i < 9; i++) {
      long slot = pacer.reserve(now, NEVER);
      pacer.record(slot, -1, -1, Pacer.NONE, -1); // answered, without headers
      slots.add((slot - t0) / MS);
      now = slot;
    }

    assertThat(slots)
        .as(
            "each window's first slot after its guard, the rest spread over the"
                + " 1950 ms left: 487.5 ms apart")
        .containsExactly(1050L, 1537L, 2025L, 2512L, 3050L, 3537L, 4025L, 4512L, 5050L);
  }

  @Test
  void remainingWithoutReset_andAnAssumedWindow_paceSteadilyAtWindowOverLimit() {
    Pacer steady = new Pacer(60_000 * MS); // the Convotic document: 1000 per minute, no reset
    steady.reserve(t0, NEVER);
    steady.record(t0, 1000, 994, Pacer.NONE, -1);

    assertThat(steady.reserve(t0, NEVER)).isEqualTo(t0 + 60 * MS);
    assertThat(steady.reserve(t0, NEVER)).isEqualTo(t0 + 120 * MS);
  }

  @Test
  void remainingWithoutResetOrWindow_pacesNothing() {
    reserveMs(0);
    pacer.record(t0, 1000, 994, Pacer.NONE, -1);

    assertThat(reserveMs(0)).isZero();
    assertThat(reserveMs(0)).isZero();
  }

  @Test
  void aZeroLimit_isNoInformation_notAnEmptyQuota() {
    reserveMs(0);
    answer(0, 0, 0, 1000);
    assertThat(reserveMs(1000)).isEqualTo(1050);

    assertThat(reserveMs(1000)).as("no limit known after the reset: unpaced").isEqualTo(1050);
  }

  @Test
  void releasedReservations_stopCountingAsInFlight() {
    for (int i = 0; i < 3; i++) {
      reserveMs(0);
    }
    pacer.release();
    pacer.release();
    answer(0, 10, 9, 2000);

    assertThat(slotsBefore(2000)).isEqualTo(9);
  }

  private int slotsBefore(long resetMs) {
    return slotsBefore(resetMs, 0);
  }

  /** Reserves at {@code atMs} until a slot reaches {@code resetMs}; how many came before it. */
  private int slotsBefore(long resetMs, long atMs) {
    int n = 0;
    while (n < 10_000 && reserveMs(atMs) < resetMs) {
      n++;
    }
    return n;
  }
}
