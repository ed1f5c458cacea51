package dev.sluice.envoy;

import static dev.sluice.envoy.Rls.descriptor;
import static dev.sluice.envoy.Rls.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.GroupName;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreUnavailableException;
import dev.sluice.core.store.Verdict;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** A store that cannot answer: the domain's on-store-failure decides what Envoy is told. */
class StoreFailureTest {

  /** An in-memory store that fails every charge. */
  static final class DownStore implements Store {
    private final Store store = InMemoryStore.create();

    @Override
    public BucketGroup group(GroupName name, List<Limit> limits) {
      return store.group(name, limits);
    }

    @Override
    public Verdict charge(Charge charge) {
      throw new StoreUnavailableException("redis timed out after 250 ms");
    }

    @Override
    public CompletionStage<Verdict> chargeAsync(Charge charge) {
      return CompletableFuture.failedFuture(
          new StoreUnavailableException("redis timed out after 250 ms"));
    }
  }

  private static String yaml(String mode) {
    return "domain: d\non-store-failure: "
        + mode
        + "\ndescriptors:\n  - key: k\n    rate_limit: {unit: minute, requests_per_unit: 1}\n";
  }

  @Test
  void openAnswersOkWithUnknownCodes() {
    try (Rls rls = new Rls(yaml("open"), false, new DownStore())) {
      RateLimitResponse r = rls.call(request("d", descriptor("k", "v"), descriptor("other", "x")));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatusesList())
          .extracting(DescriptorStatus::getCode)
          .containsExactly(Code.UNKNOWN, Code.OK);
    }
  }

  @Test
  void closedAnswersOverLimitWithTheUnavailableBody() {
    try (Rls rls = new Rls(yaml("closed"), false, new DownStore())) {
      RateLimitResponse r = rls.call(request("d", descriptor("k", "v")));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.UNKNOWN);
      assertThat(r.getRawBody().toStringUtf8()).contains("RATE_LIMIT_UNAVAILABLE");
    }
  }

  @Test
  void localCountsOnThisInstance() {
    try (Rls rls = new Rls(yaml("local"), false, new DownStore())) {
      assertThat(rls.call(request("d", descriptor("k", "v"))).getOverallCode()).isEqualTo(Code.OK);
      assertThat(rls.call(request("d", descriptor("k", "v"))).getOverallCode())
          .isEqualTo(Code.OVER_LIMIT);
    }
  }
}
