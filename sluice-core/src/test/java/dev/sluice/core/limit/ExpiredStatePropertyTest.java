package dev.sluice.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.limit.Scenarios.Scenario;
import dev.sluice.core.limit.Scenarios.Step;
import dev.sluice.testing.Gen;
import dev.sluice.testing.Property;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The promise that lets stores forget buckets: once the last committed evaluation's {@code
 * expiresAt} has passed, a meter reads the stored state exactly as it reads a fresh, all-zero one:
 * same answer, same next state, same expiry.
 */
class ExpiredStatePropertyTest {
  private static final Gen<Scenario> ANY_ALGORITHM =
      Gen.oneOf(
          Scenarios.fixed(), Scenarios.sliding(), Scenarios.tokenBucket(), Scenarios.lifetime());

  private static final Gen<Long> AFTER_EXPIRY =
      Gen.oneOf(Gen.of(0L, 1L), Gen.longs(0, 1_000_000_000_000L));

  /** A scenario, then a request {@code dt} after its state expired, of a cost picked by index. */
  record Case(Scenario sc, long dt, long costPick) {}

  @Test
  void expiredState_readsAsFresh() {
    Property.check(
        1000,
        s -> new Case(ANY_ALGORITHM.next(s), AFTER_EXPIRY.next(s), Gen.longs(0, 3).next(s)),
        c -> {
          Scenario sc = c.sc();
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
          long later = Math.max(t, expiresAt) + c.dt();
          long capacity = sc.limit().capacity();
          long cost = List.of(0L, 1L, capacity, capacity + 1).get((int) c.costPick());

          Evaluation stored = d.evaluate(later, cost);
          Evaluation fresh = d.evaluate(d.zero(), later, cost);
          assertThat(stored)
              .as("at %d (expired at %d), cost %d", later, expiresAt, cost)
              .usingRecursiveComparison()
              .isEqualTo(fresh);
        });
  }
}
