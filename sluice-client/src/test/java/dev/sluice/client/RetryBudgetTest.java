package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  private static final long SECOND = 1_000_000_000L;
  private final long t0 = 77 * SECOND;

  @Test
  void retries_stayWithinTheRatioOfRequests() {
    RetryBudget budget = new RetryBudget(0.1, 0);
    int granted = 0;
    for (int i = 0; i < 100; i++) {
      budget.onRequest(t0);
      for (int retry = 0; retry < 3; retry++) {
        granted += budget.tryRetry(t0) ? 1 : 0;
      }
    }

    assertThat(granted).isEqualTo(10);
  }

  @Test
  void reserve_allowsRetriesWithoutRequests() {
    RetryBudget budget = new RetryBudget(0.1, 1);
    int granted = 0;
    for (int i = 0; i < 20; i++) {
      granted += budget.tryRetry(t0) ? 1 : 0;
    }

    assertThat(granted).as("1/s over a 10 s window").isEqualTo(10);
  }

  @Test
  void window_slides_oldRetriesStopCounting() {
    RetryBudget budget = new RetryBudget(0, 0.5);
    for (int i = 0; i < 5; i++) {
      assertThat(budget.tryRetry(t0)).isTrue();
    }
    assertThat(budget.tryRetry(t0 + 9 * SECOND)).as("still inside the window").isFalse();

    assertThat(budget.tryRetry(t0 + 10 * SECOND))
        .as("the first second has left the window")
        .isTrue();
  }

  @Test
  void oldRequests_stopEarningRetries() {
    RetryBudget budget = new RetryBudget(0.5, 0);
    budget.onRequest(t0);
    budget.onRequest(t0);

    assertThat(budget.tryRetry(t0 + 20 * SECOND)).isFalse();
  }
}
