package dev.sluice.core.limit;

import dev.sluice.core.limit.Scenarios.Scenario;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class LifetimeBudgetPropertyTest {

  @Property(tries = 1000)
  void lifetimeBudget_agreesWithCounterForgottenAfterRetention(@ForAll("scenarios") Scenario sc) {
    long r = sc.limit().window().micros();
    MeterChecks.replay(sc, new LifetimeModel(sc.limit().permits(), r), r);
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    return Scenarios.lifetime();
  }
}
