package dev.sluice.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Property;
import org.junit.jupiter.api.Test;

class GcraPropertyTest {

  @Test
  void gcra_agreesWithContinuousTokenBucket() {
    Property.check(
        1000,
        Scenarios.tokenBucket(),
        sc -> {
          long w = sc.limit().window().micros();
          TokenBucketModel model =
              new TokenBucketModel(sc.limit().permits(), w, sc.limit().burst());
          assertThat(((Gcra) Meter.of(sc.limit())).interval())
              .as("emission interval T = ceil(W / N)")
              .isEqualTo(model.interval());
          MeterChecks.replay(sc, model, model.interval());
        });
  }
}
