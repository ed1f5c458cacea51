package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link DecisionListener}s hear every decision the engine makes, and only those. */
class DecisionListenerTest extends EngineFixture {
  private static final KeySource ALL = new KeySource.Constant("all");

  private final List<String> heard = new ArrayList<>();

  private Sluice engine(DecisionListener... listeners) {
    Policy policy =
        new Policy(
            HeaderDialect.X_RATELIMIT,
            true,
            DenialFormat.DETAIL,
            List.of(Rule.endpoint("api", Route.parse("/api/**"), ALL, List.of(perHour("h", 1)))));
    return Sluice.builder(policy)
        .store(store)
        .identitySecret(SECRET)
        .listeners(List.of(listeners))
        .build();
  }

  private DecisionListener recording(String name) {
    return new DecisionListener() {
      @Override
      public void onDecision(Sluice engine, Decision d, long elapsedNanos) {
        assertThat(elapsedNanos).isNotNegative();
        heard.add(name + " " + d.outcome());
      }
    };
  }

  @Test
  void everyListenerHearsEveryDecisionInTheOrderAdded() {
    Sluice s = engine(recording("a"), recording("b"));

    s.decide(get("/api/x").build());
    s.decide(get("/api/x").build());
    s.decide(get("/other").build());

    assertThat(heard)
        .containsExactly(
            "a ALLOWED", "b ALLOWED", "a DENIED", "b DENIED", "a UNLIMITED", "b UNLIMITED");
  }

  @Test
  void asyncDecisionsAreHeardBeforeTheCallerSeesThem() throws Exception {
    Sluice s = engine(recording("a"));

    Decision d =
        s.decideAsync(get("/api/x").build()).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(d.allowed()).isTrue();
    assertThat(heard).containsExactly("a ALLOWED");
  }

  @Test
  void dryRunsAreNotHeardForTheyChargeNothing() throws Exception {
    Sluice s = engine(recording("a"));

    s.dryRunAsync(get("/api/x").build()).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(heard).isEmpty();
  }

  @Test
  void aListenerThatThrowsChangesNoDecisionAndTheOthersStillHear() {
    DecisionListener broken =
        new DecisionListener() {
          @Override
          public void onDecision(Sluice engine, Decision d, long elapsedNanos) {
            throw new IllegalStateException("a bug in a listener");
          }
        };
    Sluice s = engine(broken, recording("b"));

    Decision d = s.decide(get("/api/x").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(heard).containsExactly("b ALLOWED");
  }

  @Test
  void theListenerIsToldWhichEngineDecidedSoItCanReadThePolicyInForce() {
    List<Sluice> engines = new ArrayList<>();
    Sluice s =
        engine(
            new DecisionListener() {
              @Override
              public void onDecision(Sluice engine, Decision d, long elapsedNanos) {
                engines.add(engine);
              }
            });

    s.decide(get("/api/x").build());

    assertThat(engines).containsExactly(s);
  }

  @Test
  void onAStoreThatDoesNotBlockAnAsyncDecisionIsMadeAtOnceInTheCallersThread() {
    Sluice s = engine(recording("a"));

    var stage = s.decideAsync(get("/api/x").build()).toCompletableFuture();
    var dryRun = s.dryRunAsync(get("/api/x").build()).toCompletableFuture();

    assertThat(stage).isCompleted();
    assertThat(stage.join().outcome()).isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(dryRun).isCompleted();
    assertThat(dryRun.join().outcome())
        .as("the dry run sees the bucket the decision before it charged")
        .isEqualTo(Decision.Outcome.DENIED);
    assertThat(heard).containsExactly("a ALLOWED");
  }
}
