package dev.sluice.core.limit;

import dev.sluice.testing.Property;
import org.junit.jupiter.api.Test;

class SlidingWindowPropertyTest {

  @Test
  void slidingWindow_agreesWithExactWeightedEstimate() {
    Property.check(
        1000,
        Scenarios.sliding(),
        sc -> {
          long w = sc.limit().window().micros();
          MeterChecks.replay(sc, new SlidingWindowModel(sc.limit().permits(), w), w);
        });
  }
}
