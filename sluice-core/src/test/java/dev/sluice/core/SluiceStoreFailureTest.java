package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.GroupName;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreUnavailableException;
import dev.sluice.core.store.Verdict;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * What the engine does when its store cannot answer, per the policy's {@code on-store-failure}. The
 * store here is the real in-memory store behind a switch that makes it fail the way a remote store
 * does (sluice-redis tests the same modes against a real Redis that is killed and paused).
 */
class SluiceStoreFailureTest extends EngineFixture {

  /** The in-memory store, failing every call while {@link #down}. */
  final class SwitchableStore implements Store {
    volatile boolean down;
    volatile RuntimeException failure;

    @Override
    public BucketGroup group(GroupName name, List<Limit> limits) {
      return store.group(name, limits);
    }

    @Override
    public Verdict charge(Charge charge) {
      if (down) {
        throw failure != null
            ? failure
            : new StoreUnavailableException("redis timed out after 250 ms");
      }
      return store.charge(charge);
    }

    @Override
    public CompletionStage<Verdict> chargeAsync(Charge charge) {
      if (down) {
        return CompletableFuture.failedFuture(
            failure != null
                ? failure
                : new StoreUnavailableException("redis timed out after 250 ms"));
      }
      return store.chargeAsync(charge);
    }
  }

  final SwitchableStore flaky = new SwitchableStore();

  Sluice engine(StoreFailure mode) {
    Rule rule =
        Rule.global(
            "global", new KeySource.Header("X-Api-Key"), List.of(perMinute("per-minute", 3)));
    Policy policy =
        new Policy(
            HeaderDialect.X_RATELIMIT, true, DenialFormat.DETAIL, List.of(rule), mode, List.of());
    return Sluice.builder(policy).store(flaky).identitySecret(SECRET).build();
  }

  static Request key(String k) {
    return get("/x").header("X-Api-Key", k).build();
  }

  @Test
  void failingOpenLetsRequestsPassUncountedAndSaysWhy() {
    Sluice s = engine(StoreFailure.OPEN);
    flaky.down = true;
    for (int i = 0; i < 10; i++) {
      Decision d = s.decide(key("a"));
      assertThat(d.outcome()).isEqualTo(Decision.Outcome.ALLOWED_UNCOUNTED);
      assertThat(d.allowed()).isTrue();
      assertThat(d.storeFailure()).isEqualTo("redis timed out after 250 ms");
      assertThat(s.headers(d)).isEmpty();
    }
    flaky.down = false;
    assertThat(remainingAfter(s, get("/x").header("X-Api-Key", "a")))
        .as("nothing was counted while the store was down")
        .isEqualTo(2);
  }

  @Test
  void failingClosedRefusesWith503FiguresAndRetryAfterOneSecond() {
    Sluice s = engine(StoreFailure.CLOSED);
    flaky.down = true;
    Decision d = s.decide(key("a"));
    assertThat(d.outcome()).isEqualTo(Decision.Outcome.UNAVAILABLE);
    assertThat(d.allowed()).isFalse();
    assertThat(d.retryAfterSeconds()).isEqualTo(1);
    assertThat(d.problem()).contains("unavailable");
    assertThat(d.storeFailure()).contains("timed out");
  }

  @Test
  void failingLocalCountsInMemoryUntilTheStoreReturns() {
    Sluice s = engine(StoreFailure.LOCAL);
    assertThat(remainingAfter(s, get("/x").header("X-Api-Key", "a"))).isEqualTo(2);
    flaky.down = true;
    for (int expected = 2; expected >= 0; expected--) {
      Decision d = s.decide(key("a"));
      assertThat(d.outcome()).isEqualTo(Decision.Outcome.ALLOWED);
      assertThat(d.storeFailure()).isNotNull();
      assertThat(d.binding().remaining()).isEqualTo(expected);
    }
    Decision denied = s.decide(key("a"));
    assertThat(denied.outcome())
        .as("the local store enforces the same limit")
        .isEqualTo(Decision.Outcome.DENIED);
    assertThat(denied.storeFailure()).isNotNull();
    assertThat(s.headers(denied)).isNotEmpty();

    flaky.down = false;
    Decision back = s.decide(key("a"));
    assertThat(back.storeFailure()).as("the primary store is used as soon as it answers").isNull();
    assertThat(back.binding().remaining()).isEqualTo(1);
  }

  @Test
  void failingLocal_holdsAFlooderOfNewKeysToItsCeiling_asTheMainStoreWould() {
    Sluice s = engine(StoreFailure.LOCAL);
    flaky.down = true;
    int admitted = 0;
    for (int i = 0; i < 150; i++) {
      Decision d =
          s.decide(
              get("/x").header("X-Api-Key", "junk-" + i).clientAddress("198.51.100.66").build());
      admitted += d.allowed() ? 1 : 0;
    }

    assertThat(admitted)
        .as("100 new keys a minute of their own, then one bucket of 3 for the rest")
        .isEqualTo(103);
  }

  @Test
  void theAsynchronousPathAppliesTheSameModes() {
    flaky.down = true;
    assertThat(
            engine(StoreFailure.OPEN).decideAsync(key("a")).toCompletableFuture().join().outcome())
        .isEqualTo(Decision.Outcome.ALLOWED_UNCOUNTED);
    assertThat(
            engine(StoreFailure.CLOSED)
                .decideAsync(key("a"))
                .toCompletableFuture()
                .join()
                .outcome())
        .isEqualTo(Decision.Outcome.UNAVAILABLE);
    Decision local = engine(StoreFailure.LOCAL).decideAsync(key("a")).toCompletableFuture().join();
    assertThat(local.outcome()).isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(local.binding().remaining()).isEqualTo(2);
  }

  @Test
  void aBugInTheStoreIsNotMistakenForAnOutage() {
    flaky.down = true;
    flaky.failure = new IllegalStateException("bug");
    Sluice s = engine(StoreFailure.OPEN);
    assertThatThrownBy(() -> s.decide(key("a"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> s.decideAsync(key("a")).toCompletableFuture().join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
  }
}
