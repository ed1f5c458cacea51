package dev.sluice.core.limit;

import dev.sluice.testing.Property;
import org.junit.jupiter.api.Test;

class FixedWindowPropertyTest {

  @Test
  void fixedWindow_agreesWithCountPerWindowIndex() {
    Property.check(
        1000,
        Scenarios.fixed(),
        sc -> {
          long w = sc.limit().window().micros();
          MeterChecks.replay(sc, new FixedWindowModel(sc.limit().permits(), w), w);
        });
  }
}
