package dev.sluice.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Decision;
import dev.sluice.core.KeyOverride;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.Overrides;
import dev.sluice.core.Request;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import dev.sluice.core.policy.Tier;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.GroupName;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreUnavailableException;
import dev.sluice.core.store.Verdict;
import dev.sluice.core.store.WhenFull;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A real engine on an in-memory store tells {@link DecisionMetrics} of each decision. */
class DecisionMetricsTest {
  private final ManualTicker ticker = new ManualTicker(Instant.parse("2030-06-01T12:00:30Z"));
  private final InMemoryStore memory =
      InMemoryStore.builder().ticker(ticker).executor(Runnable::run).build();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final DecisionMetrics metrics = new DecisionMetrics(registry);

  /** {@code api}: 2 an hour per API key under /api; {@code strict}: 1 an hour, in shadow. */
  private static Policy policy(StoreFailure onStoreFailure) {
    Rule api =
        Rule.endpoint(
            "api",
            Route.parse("/api/**"),
            new KeySource.Header("X-Api-Key"),
            List.of(perHour("hourly", 2)));
    Rule strict =
        Rule.endpoint(
                "strict",
                Route.parse("/api/**"),
                new KeySource.Constant("all"),
                List.of(perHour("strict-hourly", 1)))
            .withShadow(true);
    return new Policy(
        HeaderDialect.X_RATELIMIT,
        true,
        DenialFormat.DETAIL,
        List.of(api, strict),
        onStoreFailure,
        List.of(),
        Map.of("pro", new Tier("pro", 10, Map.of())),
        List.of());
  }

  private static Limit perHour(String name, long permits) {
    return Limit.fixed(name, permits, Window.of(Duration.ofHours(1)));
  }

  private Sluice engine(Store store, StoreFailure onStoreFailure, Overrides overrides) {
    return Sluice.builder(policy(onStoreFailure))
        .store(store)
        .overrides(overrides)
        .listener(metrics)
        .build();
  }

  private Sluice engine() {
    return engine(memory, StoreFailure.OPEN, new Overrides());
  }

  private static Request api(String key) {
    return Request.builder("GET", "/api/items").header("X-Api-Key", key).build();
  }

  private double decisions(String rule, String outcome) {
    Counter c =
        registry
            .find(MeterNames.DECISIONS)
            .tag(MeterNames.RULE, rule)
            .tag(MeterNames.OUTCOME, outcome)
            .counter();
    return c == null ? 0 : c.count();
  }

  private double storeErrors(String mode) {
    Counter c = registry.find(MeterNames.STORE_ERRORS).tag(MeterNames.MODE, mode).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void register_makesEverySeriesOfThePolicyAtZero_beforeAnyDecision_andCountingGoesOnInThem() {
    metrics.register(policy(StoreFailure.OPEN));

    for (String rule : List.of("api", "none")) {
      for (Decision.Outcome o : Decision.Outcome.values()) {
        assertThat(
                registry
                    .find(MeterNames.DECISIONS)
                    .tag(MeterNames.RULE, rule)
                    .tag(MeterNames.OUTCOME, o.name().toLowerCase(java.util.Locale.ROOT))
                    .counter())
            .as("%s %s", rule, o)
            .isNotNull()
            .satisfies(c -> assertThat(c.count()).isZero());
      }
    }
    assertThat(registry.find(MeterNames.DECISIONS).tag(MeterNames.RULE, "strict").counter())
        .as("a shadow rule binds no decision")
        .isNull();
    assertThat(registry.find(MeterNames.SHADOW_DENIALS).tag(MeterNames.RULE, "strict").counter())
        .isNotNull();
    for (String mode : List.of("open", "closed", "local", MeterNames.TABLE_FULL)) {
      assertThat(registry.find(MeterNames.STORE_ERRORS).tag(MeterNames.MODE, mode).counter())
          .isNotNull();
    }

    Sluice s = engine();
    s.decide(api("k1"));
    assertThat(decisions("api", "allowed")).isEqualTo(1); // the same counter, not a second one
  }

  @Test
  void allowedAndDeniedRequestsAreCountedUnderTheRuleThatBoundThem() {
    Sluice s = engine();

    s.decide(api("k1"));
    s.decide(api("k1"));
    s.decide(api("k1"));

    assertThat(decisions("api", "allowed")).isEqualTo(2);
    assertThat(decisions("api", "denied")).isEqualTo(1);
    assertThat(decisions("api", "invalid")).isZero();
  }

  @Test
  void aRequestTheRuleCannotCountIsInvalidUnderNoRule() {
    Sluice s = engine();

    Decision d = s.decide(Request.builder("GET", "/api/items").build()); // no API key

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(decisions("none", "invalid")).isEqualTo(1);
  }

  @Test
  void aRequestNoRuleCoversIsUnlimitedUnderNone() {
    Sluice s = engine();

    s.decide(Request.builder("GET", "/elsewhere").build());

    assertThat(decisions("none", "unlimited")).isEqualTo(1);
  }

  @Test
  void everyDecisionIsTimed() {
    Sluice s = engine();

    s.decide(api("k1"));
    s.decide(Request.builder("GET", "/elsewhere").build());

    var timer = registry.get(MeterNames.DECISION_TIME).timer();
    assertThat(timer.count()).isEqualTo(2);
    assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).isPositive();
  }

  @Test
  void theTimerPublishesTheGatewaysQuantiles() {
    var snapshot = registry.get(MeterNames.DECISION_TIME).timer().takeSnapshot();

    assertThat(snapshot.percentileValues())
        .extracting(v -> v.percentile())
        .containsExactly(0.5, 0.99, 0.999);
  }

  @Test
  void aShadowRuleThatWouldHaveDeniedIsCountedWhileTheRequestPasses() {
    Sluice s = engine();

    s.decide(api("k1"));
    Decision second = s.decide(api("k2")); // strict's 1 an hour is spent, for everyone

    assertThat(second.allowed()).isTrue();
    assertThat(second.shadowDenied()).isTrue();
    assertThat(registry.get(MeterNames.SHADOW_DENIALS).tag(MeterNames.RULE, "strict").counter())
        .extracting(Counter::count)
        .isEqualTo(1.0);
    assertThat(decisions("api", "allowed")).isEqualTo(2);
  }

  @Test
  void aTiersDecisionsAreCountedUnderTheRulesPlainName() {
    Overrides overrides = new Overrides();
    Sluice s = engine(memory, StoreFailure.OPEN, overrides);
    overrides.put(s.fingerprint("k1"), KeyOverride.tier("pro"));

    Decision d = s.decide(api("k1"));

    assertThat(d.binding().variant()).isEqualTo("pro");
    assertThat(decisions("api", "allowed")).isEqualTo(1);
    assertThat(registry.find(MeterNames.DECISIONS).tag(MeterNames.RULE, "api@pro").counters())
        .isEmpty();
  }

  @Test
  void aStoreFailureIsCountedUnderThePolicysMode() {
    SwitchableStore flaky = new SwitchableStore();
    Sluice open = engine(flaky, StoreFailure.OPEN, new Overrides());
    Sluice closed = engine(flaky, StoreFailure.CLOSED, new Overrides());
    flaky.down = true;

    open.decide(api("k1"));
    closed.decide(api("k1"));
    closed.decide(api("k2"));

    assertThat(storeErrors("open")).isEqualTo(1);
    assertThat(storeErrors("closed")).isEqualTo(2);
    assertThat(decisions("none", "allowed_uncounted")).isEqualTo(1);
    assertThat(decisions("none", "unavailable")).isEqualTo(2);
  }

  @Test
  void aStoreFailureOfAnAsyncDecisionIsCountedToo() throws Exception {
    SwitchableStore flaky = new SwitchableStore();
    Sluice closed = engine(flaky, StoreFailure.CLOSED, new Overrides());
    flaky.down = true;

    closed.decideAsync(api("k1")).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(storeErrors("closed")).isEqualTo(1);
  }

  @Test
  void aNewcomerAFullTableRefusesIsCountedAsTableFull() {
    InMemoryStore tiny =
        InMemoryStore.builder()
            .ticker(ticker)
            .executor(Runnable::run)
            .maxBuckets(2) // k1's bucket and the shadow rule's one
            .whenFull(WhenFull.REJECT)
            .build();
    Sluice s = engine(tiny, StoreFailure.OPEN, new Overrides());
    s.decide(api("k1"));

    Decision d = s.decide(api("k2"));

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.UNAVAILABLE);
    assertThat(d.storeFailure()).isNull();
    assertThat(storeErrors("table-full")).isEqualTo(1);
    assertThat(storeErrors("open")).isZero();
  }

  @Test
  void dryRunsAreNotCounted() throws Exception {
    Sluice s = engine();

    s.dryRunAsync(api("k1")).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(registry.find(MeterNames.DECISIONS).counters()).isEmpty();
    assertThat(registry.get(MeterNames.DECISION_TIME).timer().count()).isZero();
  }

  @Test
  void seriesAppearWhenTheirRuleIsFirstDecidedWithEveryOutcome() {
    assertThat(registry.getMeters())
        .extracting(m -> m.getId().getName())
        .allMatch(name -> name.startsWith(MeterNames.DECISION_TIME)); // the timer, its quantiles
    Sluice s = engine();

    s.decide(api("k1"));

    assertThat(registry.find(MeterNames.DECISIONS).tag(MeterNames.RULE, "api").counters())
        .extracting(c -> c.getId().getTag(MeterNames.OUTCOME))
        .containsExactlyInAnyOrder(
            "allowed",
            "denied",
            "unlimited",
            "invalid",
            "unavailable",
            "allowed_uncounted",
            "exempt");
    assertThat(registry.getMeters())
        .extracting(Meter::getId)
        .noneMatch(id -> id.getName().equals(MeterNames.SHADOW_DENIALS))
        .noneMatch(id -> id.getName().equals(MeterNames.STORE_ERRORS));
  }

  @Test
  void enginesThatReplaceOneAnotherCountIntoTheSameSeries() {
    engine().decide(api("k1"));
    engine().decide(api("k1"));

    assertThat(decisions("api", "allowed")).isEqualTo(2);
  }

  /** The in-memory store, failing every call as a remote store that is down does while down. */
  private final class SwitchableStore implements Store {
    volatile boolean down;

    @Override
    public BucketGroup group(GroupName name, List<Limit> limits) {
      return memory.group(name, limits);
    }

    @Override
    public Verdict charge(Charge charge) {
      if (down) {
        throw new StoreUnavailableException("redis timed out after 250 ms");
      }
      return memory.charge(charge);
    }

    @Override
    public CompletionStage<Verdict> chargeAsync(Charge charge) {
      if (down) {
        return CompletableFuture.failedFuture(
            new StoreUnavailableException("redis timed out after 250 ms"));
      }
      return memory.chargeAsync(charge);
    }
  }
}
