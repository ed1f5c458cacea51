package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.store.Concurrently;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * The engine under many threads: each thread's reused buffers never leak into another's decision.
 */
class SluiceConcurrencyTest extends EngineFixture {

  @Test
  void manyThreads_manyUsers_eachUserAdmittedExactlyItsLimit_onGlobalAndEndpointRules() {
    Sluice s =
        engine(
            Rule.global("global", new KeySource.Bearer(), List.of(perHour("hour", 300))),
            Rule.endpoint(
                "assets",
                Route.parse("GET /assets/{id}"),
                new KeySource.PathParam("id"),
                List.of(perHour("per-asset", 150))));
    int users = 4;
    AtomicLongArray admitted = new AtomicLongArray(users);
    AtomicLongArray wrongOutcome = new AtomicLongArray(1);

    Concurrently.run(
        8,
        Duration.ofSeconds(30),
        thread -> {
          for (int i = 0; i < 400; i++) {
            int user = (thread + i) % users;
            // Two assets per user, so each user hits the endpoint limit (2 x 150) and the global
            // one (300) at the same moment; the asset id and the token differ per thread's request.
            Decision d =
                s.decide(get("/assets/u" + user + "-" + (i % 2)).bearer("token-" + user).build());
            if (d.allowed()) {
              admitted.incrementAndGet(user);
            } else if (d.outcome() != Decision.Outcome.DENIED) {
              wrongOutcome.incrementAndGet(0);
            }
          }
        });

    assertThat(wrongOutcome.get(0)).isZero();
    for (int u = 0; u < users; u++) {
      assertThat(admitted.get(u)).as("user %d", u).isEqualTo(300);
    }
  }
}
