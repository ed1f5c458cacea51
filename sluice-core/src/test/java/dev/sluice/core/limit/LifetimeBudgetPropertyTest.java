package dev.sluice.core.limit;

import dev.sluice.testing.Property;
import org.junit.jupiter.api.Test;

class LifetimeBudgetPropertyTest {

  @Test
  void lifetimeBudget_agreesWithCounterForgottenAfterRetention() {
    Property.check(
        1000,
        Scenarios.lifetime(),
        sc -> {
          long r = sc.limit().window().micros();
          MeterChecks.replay(sc, new LifetimeModel(sc.limit().permits(), r), r);
        });
  }
}
