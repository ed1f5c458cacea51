package dev.sluice.envoy;

import static dev.sluice.envoy.Rls.descriptor;
import static dev.sluice.envoy.Rls.request;
import static dev.sluice.envoy.Rls.withHits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** envoyproxy/ratelimit's documented behaviour, over real gRPC on a real socket. */
class ShouldRateLimitTest {

  @Test
  void anUnknownDomainIsOkWithAnOkStatusPerDescriptor() throws Exception {
    try (Rls rls = new Rls("domain: known\ndescriptors: []\n")) {
      RateLimitResponse r =
          rls.call(request("unknown", descriptor("a", "1"), descriptor("b", "2")));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatusesList())
          .extracting(DescriptorStatus::getCode)
          .containsExactly(Code.OK, Code.OK);
      assertThat(r.getStatuses(0).hasCurrentLimit()).isFalse();
    }
  }

  @Test
  void fiftyPerSecondLeavesFortyNineAfterTheFirstCall() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: one_per_second
            rate_limit: {unit: second, requests_per_unit: 50}
        """;
    try (Rls rls = new Rls(yaml)) {
      RateLimitResponse r = rls.call(request("rl", descriptor("one_per_second", "x")));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      DescriptorStatus s = r.getStatuses(0);
      assertThat(s.getCode()).isEqualTo(Code.OK);
      assertThat(s.getLimitRemaining()).isEqualTo(49);
      assertThat(s.getCurrentLimit().getRequestsPerUnit()).isEqualTo(50);
      assertThat(s.getCurrentLimit().getUnit()).isEqualTo(Unit.SECOND);
      assertThat(s.getDurationUntilReset().getSeconds()).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void twentyFiveCallsOnTwentyPerMinuteCountDownAndGoOverFromTheTwentyFirst() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: key1
            value: value1
            rate_limit: {unit: minute, requests_per_unit: 20, name: twenty}
        """;
    try (Rls rls = new Rls(yaml)) {
      for (int i = 1; i <= 25; i++) {
        RateLimitResponse r = rls.call(request("rl", descriptor("key1", "value1")));
        DescriptorStatus s = r.getStatuses(0);
        if (i <= 20) {
          assertThat(r.getOverallCode()).as("call %d", i).isEqualTo(Code.OK);
          assertThat(s.getLimitRemaining()).as("call %d", i).isEqualTo(20 - i);
        } else {
          assertThat(r.getOverallCode()).as("call %d", i).isEqualTo(Code.OVER_LIMIT);
          assertThat(s.getCode()).isEqualTo(Code.OVER_LIMIT);
          assertThat(s.getLimitRemaining()).isZero();
        }
        assertThat(s.getCurrentLimit().getName()).isEqualTo("twenty");
        assertThat(s.getCurrentLimit().getUnit()).isEqualTo(Unit.MINUTE);
      }
      rls.clock.advance(Duration.ofMinutes(1));
      assertThat(rls.call(request("rl", descriptor("key1", "value1"))).getOverallCode())
          .isEqualTo(Code.OK);
    }
  }

  @Test
  void twoDescriptorsAnswerInOrderAndTheRequestIsOverIfEitherIsAndNothingIsCharged()
      throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: per_minute
            rate_limit: {unit: minute, requests_per_unit: 20}
          - key: per_hour
            rate_limit: {unit: hour, requests_per_unit: 10}
        """;
    try (Rls rls = new Rls(yaml)) {
      RateLimitRequest req =
          request("rl", descriptor("per_minute", "a"), descriptor("per_hour", "a"));
      for (int i = 1; i <= 10; i++) {
        RateLimitResponse r = rls.call(req);
        assertThat(r.getOverallCode()).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(20 - i);
        assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(10 - i);
        assertThat(r.getStatuses(1).getCurrentLimit().getUnit()).isEqualTo(Unit.HOUR);
      }
      RateLimitResponse r = rls.call(req);
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatusesList())
          .extracting(DescriptorStatus::getCode)
          .containsExactly(Code.OK, Code.OVER_LIMIT);
      // all or nothing: the per-minute bucket was not charged by the denied call
      assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(10);
      RateLimitResponse alone = rls.call(request("rl", descriptor("per_minute", "a")));
      assertThat(alone.getStatuses(0).getLimitRemaining()).isEqualTo(9);
    }
  }

  @Test
  void nestedDescriptorsMatchOnlyAtTheirFullDepthAndEachValueHasItsOwnBucket() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: remote_address
            descriptors:
              - key: path
                value: /search
                rate_limit: {unit: minute, requests_per_unit: 2}
        """;
    try (Rls rls = new Rls(yaml)) {
      RateLimitResponse shallow = rls.call(request("rl", descriptor("remote_address", "1.2.3.4")));
      assertThat(shallow.getStatuses(0).hasCurrentLimit()).isFalse();
      RateLimitRequest deep =
          request("rl", descriptor("remote_address", "1.2.3.4", "path", "/search"));
      rls.call(deep);
      rls.call(deep);
      assertThat(rls.call(deep).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      RateLimitResponse other =
          rls.call(request("rl", descriptor("remote_address", "5.6.7.8", "path", "/search")));
      assertThat(other.getOverallCode()).isEqualTo(Code.OK);
      assertThat(other.getStatuses(0).getLimitRemaining()).isEqualTo(1);
      RateLimitResponse tooDeep =
          rls.call(
              request("rl", descriptor("remote_address", "1.2.3.4", "path", "/search", "x", "y")));
      assertThat(tooDeep.getStatuses(0).hasCurrentLimit()).isFalse();
    }
  }

  @Test
  void aWildcardValueMatchesByPrefixAndAnExactValueWins() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: path
            value: /api/*
            rate_limit: {unit: minute, requests_per_unit: 5}
          - key: path
            value: /api/special
            rate_limit: {unit: minute, requests_per_unit: 1}
          - key: path
            rate_limit: {unit: minute, requests_per_unit: 100}
        """;
    try (Rls rls = new Rls(yaml)) {
      assertThat(limitOf(rls, "/api/users")).isEqualTo(5);
      assertThat(limitOf(rls, "/api/special")).isEqualTo(1);
      assertThat(limitOf(rls, "/other")).isEqualTo(100);
    }
  }

  private static int limitOf(Rls rls, String path) {
    return rls.call(request("rl", descriptor("path", path)))
        .getStatuses(0)
        .getCurrentLimit()
        .getRequestsPerUnit();
  }

  @Test
  void aLimitReplacedByAnotherReachedInTheSameCallDoesNotApply() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: generic
            rate_limit: {unit: minute, requests_per_unit: 1, name: general}
          - key: premium
            rate_limit:
              unit: minute
              requests_per_unit: 100
              name: premium
              replaces: [{name: general}]
        """;
    try (Rls rls = new Rls(yaml)) {
      RateLimitRequest both = request("rl", descriptor("generic", "a"), descriptor("premium", "a"));
      for (int i = 0; i < 3; i++) {
        RateLimitResponse r = rls.call(both);
        assertThat(r.getOverallCode()).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0).hasCurrentLimit()).isFalse();
        assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(99 - i);
      }
      rls.call(request("rl", descriptor("generic", "a")));
      assertThat(rls.call(request("rl", descriptor("generic", "a"))).getOverallCode())
          .isEqualTo(Code.OVER_LIMIT);
    }
  }

  @Test
  void unlimitedIsOkWithTheMostRemainingAndZeroRequestsPerUnitIsAlwaysOver() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: internal
            rate_limit: {unlimited: true}
          - key: banned
            rate_limit: {unit: hour, requests_per_unit: 0}
          - key: user
            rate_limit: {unit: hour, requests_per_unit: 3}
        """;
    try (Rls rls = new Rls(yaml)) {
      RateLimitResponse r = rls.call(request("rl", descriptor("internal", "x")));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(Integer.toUnsignedLong(r.getStatuses(0).getLimitRemaining()))
          .isEqualTo(0xffff_ffffL);
      RateLimitResponse banned =
          rls.call(request("rl", descriptor("banned", "x"), descriptor("user", "u")));
      assertThat(banned.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(banned.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(banned.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isZero();
      assertThat(banned.getStatuses(1).getCode()).isEqualTo(Code.OK);
      // the denied call charged nothing
      assertThat(
              rls.call(request("rl", descriptor("user", "u"))).getStatuses(0).getLimitRemaining())
          .isEqualTo(2);
    }
  }

  @Test
  void aShadowLimitIsCountedButNeverDenies() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: trial
            shadow_mode: true
            rate_limit: {unit: minute, requests_per_unit: 2}
        """;
    try (Rls rls = new Rls(yaml)) {
      long[] remaining = new long[4];
      for (int i = 0; i < 4; i++) {
        RateLimitResponse r = rls.call(request("rl", descriptor("trial", "t")));
        assertThat(r.getOverallCode()).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OK);
        remaining[i] = r.getStatuses(0).getLimitRemaining();
      }
      assertThat(remaining).containsExactly(1, 0, 0, 0);
    }
  }

  @Test
  void hitsAddendIsTheCostPerDescriptorOrPerRequestAndZeroMeansOne() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: tokens
            rate_limit: {unit: minute, requests_per_unit: 100}
          - key: calls
            rate_limit: {unit: minute, requests_per_unit: 100}
        """;
    try (Rls rls = new Rls(yaml)) {
      RateLimitResponse r =
          rls.call(
              request("rl", withHits(descriptor("tokens", "t"), 40), descriptor("calls", "c"))
                  .toBuilder()
                  .setHitsAddend(3)
                  .build());
      assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(60);
      assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(97);
      RateLimitResponse zero =
          rls.call(request("rl", withHits(descriptor("tokens", "t"), 0), descriptor("calls", "c")));
      assertThat(zero.getStatuses(0).getLimitRemaining()).isEqualTo(59);
      assertThat(zero.getStatuses(1).getLimitRemaining()).isEqualTo(96);
      RateLimitResponse tooMany = rls.call(request("rl", withHits(descriptor("tokens", "t"), 61)));
      assertThat(tooMany.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    }
  }

  @Test
  void aSlidingWindowAndSeveralWindowsPerDescriptorAreSluiceExtensions() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: api_key
            rate_limits:
              - {unit: 30s, requests_per_unit: 3, algorithm: sliding}
              - {unit: hour, requests_per_unit: 5}
        """;
    try (Rls rls = new Rls(yaml)) {
      RateLimitRequest req = request("rl", descriptor("api_key", "k"));
      for (int i = 0; i < 3; i++) {
        assertThat(rls.call(req).getOverallCode()).isEqualTo(Code.OK);
      }
      RateLimitResponse fourth = rls.call(req);
      assertThat(fourth.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(fourth.getStatuses(0).getCurrentLimit().getUnit()).isEqualTo(Unit.UNKNOWN);
      assertThat(fourth.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(3);
      rls.clock.advance(Duration.ofMinutes(1));
      RateLimitResponse later = rls.call(req);
      assertThat(later.getOverallCode()).isEqualTo(Code.OK);
      assertThat(later.getStatuses(0).getCurrentLimit().getUnit()).isEqualTo(Unit.HOUR);
      assertThat(later.getStatuses(0).getLimitRemaining()).isEqualTo(1);
    }
  }

  @Test
  void aDescriptorsOwnLimitReplacesTheConfiguredOneAndCountsPerEntries() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: user
            rate_limit: {unit: hour, requests_per_unit: 100}
        """;
    try (Rls rls = new Rls(yaml)) {
      RateLimitDescriptor own =
          descriptor("user", "u1").toBuilder()
              .setLimit(
                  RateLimitDescriptor.RateLimitOverride.newBuilder()
                      .setRequestsPerUnit(2)
                      .setUnit(RateLimitUnit.MINUTE))
              .build();
      RateLimitResponse first = rls.call(request("rl", own));
      assertThat(first.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(2);
      assertThat(first.getStatuses(0).getCurrentLimit().getUnit()).isEqualTo(Unit.MINUTE);
      assertThat(first.getStatuses(0).getLimitRemaining()).isEqualTo(1);
      rls.call(request("rl", own));
      assertThat(rls.call(request("rl", own)).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      // another user's override is another bucket; an unknown key gets the override too
      assertThat(
              rls.call(
                      request(
                          "rl",
                          own.toBuilder()
                              .setEntries(0, own.getEntries(0).toBuilder().setValue("u2"))
                              .build()))
                  .getStatuses(0)
                  .getLimitRemaining())
          .isEqualTo(1);
      // the configured limit was never charged
      assertThat(
              rls.call(request("rl", descriptor("user", "u1"))).getStatuses(0).getLimitRemaining())
          .isEqualTo(99);
      rls.clock.advance(Duration.ofMinutes(1));
      assertThat(rls.call(request("rl", own)).getOverallCode()).isEqualTo(Code.OK);
    }
  }

  @Test
  void theSameDescriptorTwiceInOneCallIsOneBucketChargedForBoth() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: user
            rate_limit: {unit: hour, requests_per_unit: 3}
        """;
    try (Rls rls = new Rls(yaml)) {
      RateLimitResponse r =
          rls.call(request("rl", descriptor("user", "u"), descriptor("user", "u")));
      assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(1);
      assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(1);
      assertThat(
              rls.call(request("rl", descriptor("user", "u"), descriptor("user", "u")))
                  .getOverallCode())
          .isEqualTo(Code.OVER_LIMIT);
      assertInvalid(rls, request("rl", descriptor("user", "a"), descriptor("user", "b")));
    }
  }

  @Test
  void aReloadSwapsTheDescriptorsAndKeepsTheCountsOfThoseKept() throws Exception {
    String before =
        """
        domain: rl
        descriptors:
          - key: user
            rate_limit: {unit: hour, requests_per_unit: 5}
        """;
    String after = before + "  - key: ip\n    rate_limit: {unit: hour, requests_per_unit: 1}\n";
    try (Rls rls = new Rls(before)) {
      rls.call(request("rl", descriptor("user", "u")));
      assertThat(rls.call(request("rl", descriptor("ip", "i"))).getStatuses(0).hasCurrentLimit())
          .isFalse();
      rls.limiter.reload(RatelimitConfig.parse(after, "after.yaml"));
      assertThat(
              rls.call(request("rl", descriptor("user", "u"))).getStatuses(0).getLimitRemaining())
          .isEqualTo(3);
      assertThat(rls.call(request("rl", descriptor("ip", "i"))).getStatuses(0).getLimitRemaining())
          .isZero();
    }
  }

  @Test
  void malformedRequestsAreInvalidArgumentAndTheServerKeepsServing() throws Exception {
    String yaml =
        """
        domain: rl
        descriptors:
          - key: k
            rate_limit: {unit: hour, requests_per_unit: 5}
        """;
    try (Rls rls = new Rls(yaml)) {
      assertInvalid(
          rls, RateLimitRequest.newBuilder().addDescriptors(descriptor("k", "v")).build());
      assertInvalid(rls, request("rl"));
      assertInvalid(rls, request("rl", descriptor()));
      assertInvalid(rls, request("rl", descriptor("", "v")));
      assertInvalid(rls, request("rl", withHits(descriptor("k", "v"), 1L << 40)));
      assertInvalid(rls, request("rl", descriptor("k", "v")).toBuilder().setHitsAddend(-1).build());
      assertThat(rls.call(request("rl", descriptor("k", "v"))).getStatuses(0).getLimitRemaining())
          .isEqualTo(4);
    }
  }

  private static void assertInvalid(Rls rls, RateLimitRequest request) {
    assertThatThrownBy(() -> rls.call(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }
}
