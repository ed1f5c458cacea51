package dev.sluice.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.limit.Scenarios.Scenario;
import dev.sluice.core.limit.Scenarios.Step;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/**
 * The promise that lets stores forget buckets: once the last committed evaluation's {@code
 * expiresAt} has passed, a meter reads the stored state exactly as it reads a fresh, all-zero one:
 * same answer, same next state, same expiry.
 */
class ExpiredStatePropertyTest {

  @Property(tries = 1000)
  void expiredState_readsAsFresh(
      @ForAll("anyAlgorithm") Scenario sc,
      @ForAll("afterExpiry") long dt,
      @ForAll @LongRange(min = 0, max = 3) long costPick) {
    MeterDriver d = new MeterDriver(sc.limit());
    long unit = sc.limit().window().micros();
    long t = sc.start();
    long expiresAt = Long.MIN_VALUE;
    for (Step s : sc.steps()) {
      t = s.next(t, unit);
      Evaluation e = d.evaluate(t, s.cost());
      if (e.allowed) {
        d.commit(e);
        expiresAt = e.expiresAt;
      }
    }
    long later = Math.max(t, expiresAt) + dt;
    long capacity = sc.limit().capacity();
    long cost = List.of(0L, 1L, capacity, capacity + 1).get((int) costPick);

    Evaluation stored = d.evaluate(later, cost);
    Evaluation fresh = d.evaluate(d.zero(), later, cost);
    assertThat(stored)
        .as("at %d (expired at %d), cost %d", later, expiresAt, cost)
        .usingRecursiveComparison()
        .isEqualTo(fresh);
  }

  @Provide
  Arbitrary<Scenario> anyAlgorithm() {
    return Arbitraries.oneOf(
        Scenarios.fixed(), Scenarios.sliding(), Scenarios.tokenBucket(), Scenarios.lifetime());
  }

  @Provide
  Arbitrary<Long> afterExpiry() {
    return Arbitraries.oneOf(
        Arbitraries.of(0L, 1L), Arbitraries.longs().between(0, 1_000_000_000_000L));
  }
}
