package dev.sluice.core.limit;

import dev.sluice.core.limit.Scenarios.Scenario;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class FixedWindowPropertyTest {

  @Property(tries = 1000)
  void fixedWindow_agreesWithCountPerWindowIndex(@ForAll("scenarios") Scenario sc) {
    long w = sc.limit().window().micros();
    MeterChecks.replay(sc, new FixedWindowModel(sc.limit().permits(), w), w);
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    return Scenarios.fixed();
  }
}
