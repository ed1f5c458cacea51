package dev.sluice.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NearLimitsTest {
  private static final long NOW = 1_700_000_000_000_000L;
  private static final Limit HUNDRED = Limit.fixed("minute", 100, Window.of(Duration.ofMinutes(1)));

  private static void see(NearLimits near, long fingerprint, long used, long resetAt, long now) {
    LimitStatus s = new LimitStatus("search", HUNDRED, true, 100 - used, resetAt, 0);
    near.accept(
        null,
        null,
        List.of(new Decision.Bucket("search", null, fingerprint, false, List.of(s))),
        now);
  }

  private static List<Long> usedOfTop(NearLimits near, int n) {
    return near.top(n, NOW).stream().map((JsonObject o) -> o.getLong("used")).toList();
  }

  @Test
  void aFullTableDropsTheTenthFarthestFromItsLimitsAndKeepsTheNearest() {
    NearLimits near = new NearLimits(100);
    for (int i = 0; i < 100; i++) {
      see(near, i, 1 + i % 50, NOW + 60_000_000, NOW);
    }
    assertThat(near.size()).isEqualTo(100);

    see(near, 1_000, 99, NOW + 60_000_000, NOW); // a new identity, nearly at its limit

    assertThat(near.size()).isEqualTo(91); // 100 - a tenth, plus the newcomer
    assertThat(usedOfTop(near, 3)).containsExactly(99L, 50L, 50L);
    // the ten that went were the emptiest: used 1 to 5, two identities each
    assertThat(near.top(200, NOW)).extracting(o -> o.getLong("used")).allMatch(u -> u > 5);
  }

  @Test
  void equallyFullEntriesGoOnlyAsFarAsTheTenth() {
    NearLimits near = new NearLimits(100);
    for (int i = 0; i < 100; i++) {
      see(near, i, 7, NOW + 60_000_000, NOW); // all equally full
    }
    see(near, 1_000, 7, NOW + 60_000_000, NOW);
    assertThat(near.size()).isEqualTo(91);
  }

  @Test
  void entriesWhoseWindowHasResetGoFirst() {
    NearLimits near = new NearLimits(100);
    for (int i = 0; i < 100; i++) {
      // the first thirty reset before NOW: whole again, no longer near anything
      see(near, i, 60, i < 30 ? NOW - 1 : NOW + 60_000_000, NOW - 10);
    }
    see(near, 1_000, 1, NOW + 60_000_000, NOW);
    assertThat(near.size()).isEqualTo(71);
    assertThat(near.top(200, NOW)).hasSize(71);
  }

  @Test
  void aBusyIdentityIsUpdatedInPlace() {
    NearLimits near = new NearLimits(10);
    for (int used = 1; used <= 40; used++) {
      see(near, 42, used, NOW + 60_000_000, NOW);
    }
    assertThat(near.size()).isEqualTo(1);
    assertThat(usedOfTop(near, 5)).containsExactly(40L);
  }
}
