package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.store.Concurrently;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The overrides table and its entries, on their own. */
class OverridesTest {
  private final ManualTicker ticker = new ManualTicker(Instant.parse("2030-06-01T12:00:30Z"));
  private final KeyOverride pro = KeyOverride.tier("pro");

  @Test
  void put_isSeenAtOnce_whileOtherIdentitiesComeAndGo() {
    Overrides overrides = new Overrides(ticker);
    AtomicBoolean done = new AtomicBoolean();
    int[] unseen = {0};

    // One thread puts and removes identity 2 over and over; each remove that empties the table
    // must not hide identity 1's override, put by the other thread just before.
    Concurrently.run(
        2,
        Duration.ofSeconds(30),
        thread -> {
          if (thread == 0) {
            while (!done.get()) {
              overrides.put(2, pro);
              overrides.remove(2);
            }
            return;
          }
          try {
            for (int i = 0; i < 200_000; i++) {
              overrides.put(1, pro);
              if (overrides.get(1) == null) {
                unseen[0]++;
              }
              overrides.remove(1);
            }
          } finally {
            done.set(true);
          }
        });

    assertThat(unseen[0]).as("overrides put, then not found by the very next get").isZero();
  }

  @Test
  void arguments_nullsAreNamed() {
    assertThatThrownBy(() -> new Overrides(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("clock");
    assertThatThrownBy(() -> new Overrides(ticker).put(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("override");
    assertThatThrownBy(() -> new Overrides(ticker).replaceAll(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("overrides");
    Map<Long, KeyOverride> withNull = new HashMap<>();
    withNull.put(1L, null);
    Overrides kept = new Overrides(ticker);
    kept.put(7, pro);
    assertThatThrownBy(() -> kept.replaceAll(withNull))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("overrides: the override of 0000000000000001");
    assertThat(kept.get(7)).as("a refused replacement changes nothing").isEqualTo(pro);
    assertThatThrownBy(() -> new KeyOverride("pro", null, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("limits");
  }

  @Test
  void expiry_beyondWhatEpochMicrosHold_saturates() {
    Overrides overrides = new Overrides(ticker);
    overrides.put(1, new KeyOverride("pro", Map.of(), Instant.MIN));
    overrides.put(2, new KeyOverride("pro", Map.of(), Instant.parse("-290309-01-01T00:00:00Z")));
    overrides.put(3, new KeyOverride("pro", Map.of(), Instant.MAX));

    assertThat(overrides.get(1)).as("expired at the beginning of time").isNull();
    assertThat(overrides.get(2)).isNull();
    assertThat(overrides.get(3)).as("never expires").isNotNull();
    assertThat(overrides.removeExpired()).isEqualTo(2);
  }
}
