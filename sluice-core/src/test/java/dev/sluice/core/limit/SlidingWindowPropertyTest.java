package dev.sluice.core.limit;

import dev.sluice.core.limit.Scenarios.Scenario;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class SlidingWindowPropertyTest {

  @Property(tries = 1000)
  void slidingWindow_agreesWithExactWeightedEstimate(@ForAll("scenarios") Scenario sc) {
    long w = sc.limit().window().micros();
    MeterChecks.replay(sc, new SlidingWindowModel(sc.limit().permits(), w), w);
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    return Scenarios.sliding();
  }
}
