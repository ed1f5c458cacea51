package dev.sluice.envoy;

import static dev.sluice.envoy.Rls.descriptor;
import static dev.sluice.envoy.Rls.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisServer;
import dev.sluice.redis.RedisStore;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two rate limit services, each with its own connection to one real redis-server and the same
 * identity secret: they count together, exactly, and a Redis fault is decided by on-store-failure
 * as at the gateway. Windows are hours: none turns over while a test counts.
 */
class InstancesOnRedisTest {
  private static final byte[] SECRET =
      "sixteen byte key".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final String YAML =
      """
      domain: shared
      descriptors:
        - key: per_hour
          rate_limit: {unit: hour, requests_per_unit: 20}
        - key: other
          rate_limit: {unit: hour, requests_per_unit: 10}
      """;

  RedisServer redis;
  RedisStore storeA;
  RedisStore storeB;
  EnvoyRateLimiter a;
  EnvoyRateLimiter b;
  RateLimitServer serverA;
  RateLimitServer serverB;

  @BeforeEach
  void start() {
    redis = RedisServer.start();
    storeA = RedisStore.builder(redis.uri()).timeout(Duration.ofMillis(300)).build();
    storeB = RedisStore.builder(redis.uri()).timeout(Duration.ofMillis(300)).build();
    RatelimitConfig config = RatelimitConfig.parse(YAML, "shared.yaml");
    a = EnvoyRateLimiter.builder(config).store(storeA).identitySecret(SECRET).build();
    b = EnvoyRateLimiter.builder(config).store(storeB).identitySecret(SECRET).build();
  }

  @AfterEach
  void stop() {
    storeA.close();
    storeB.close();
    redis.close();
  }

  private static RateLimitResponse decide(EnvoyRateLimiter limiter, RateLimitRequest r) {
    return limiter.decide(r).toCompletableFuture().join();
  }

  @Test
  void twoInstancesCountDownOneBucketAndDenyFromTheTwentyFirstCall() {
    RateLimitRequest call = request("shared", descriptor("per_hour", "client-1"));
    for (int i = 1; i <= 25; i++) {
      RateLimitResponse r = decide(i % 2 == 0 ? a : b, call);
      if (i <= 20) {
        assertThat(r.getOverallCode()).as("call %d", i).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0).getLimitRemaining()).as("call %d", i).isEqualTo(20 - i);
      } else {
        assertThat(r.getOverallCode()).as("call %d", i).isEqualTo(Code.OVER_LIMIT);
      }
    }
  }

  @Test
  void allOrNothingHoldsAcrossInstances() {
    RateLimitRequest both =
        request("shared", descriptor("per_hour", "c"), descriptor("other", "c"));
    for (int i = 0; i < 10; i++) {
      assertThat(decide(i % 2 == 0 ? a : b, both).getOverallCode()).isEqualTo(Code.OK);
    }
    assertThat(decide(a, both).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(
            decide(b, request("shared", descriptor("per_hour", "c")))
                .getStatuses(0)
                .getLimitRemaining())
        .isEqualTo(9);
  }

  @Test
  void aPausedRedisIsOpenByDefaultWithUnknownCodesAndCountingResumesAfter() {
    RateLimitRequest call = request("shared", descriptor("per_hour", "p"));
    assertThat(decide(a, call).getStatuses(0).getLimitRemaining()).isEqualTo(19);
    redis.pause();
    try {
      RateLimitResponse r = decide(a, call);
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.UNKNOWN);
    } finally {
      redis.resume();
    }
    // The call that timed out had been sent: Redis ran it when it woke, as it does for the
    // gateway (a timeout answers the caller, it cannot take back a script already sent).
    assertThat(decide(b, call).getStatuses(0).getLimitRemaining()).isEqualTo(17);
  }

  @Test
  void overGrpcTheTwoInstancesAgreeToo() {
    serverA = RateLimitServer.start(a, "127.0.0.1", 0);
    serverB = RateLimitServer.start(b, "127.0.0.1", 0);
    try {
      var chA =
          io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                  "127.0.0.1", serverA.port())
              .usePlaintext()
              .build();
      var chB =
          io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                  "127.0.0.1", serverB.port())
              .usePlaintext()
              .build();
      try {
        var stubA =
            io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.newBlockingStub(chA);
        var stubB =
            io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.newBlockingStub(chB);
        RateLimitRequest call = request("shared", descriptor("other", "g"));
        for (int i = 1; i <= 10; i++) {
          assertThat(
                  (i % 2 == 0 ? stubA : stubB)
                      .shouldRateLimit(call)
                      .getStatuses(0)
                      .getLimitRemaining())
              .isEqualTo(10 - i);
        }
        assertThat(stubA.shouldRateLimit(call).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      } finally {
        chA.shutdownNow();
        chB.shutdownNow();
      }
    } finally {
      serverA.close();
      serverB.close();
    }
  }
}
