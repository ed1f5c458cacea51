package dev.sluice.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.limit.Scenarios.Scenario;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class GcraPropertyTest {

  @Property(tries = 1000)
  void gcra_agreesWithContinuousTokenBucket(@ForAll("scenarios") Scenario sc) {
    long w = sc.limit().window().micros();
    TokenBucketModel model = new TokenBucketModel(sc.limit().permits(), w, sc.limit().burst());
    assertThat(((Gcra) Meter.of(sc.limit())).interval())
        .as("emission interval T = ceil(W / N)")
        .isEqualTo(model.interval());
    MeterChecks.replay(sc, model, model.interval());
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    return Scenarios.tokenBucket();
  }
}
