package dev.sluice.envoy;

import com.google.protobuf.UInt64Value;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A rate limit service on a real socket (an ephemeral loopback port) and a grpc-java client of it,
 * on a manual clock.
 */
final class Rls implements AutoCloseable {
  final ManualTicker clock = new ManualTicker(Instant.parse("2026-12-07T12:00:00Z"));
  final EnvoyRateLimiter limiter;
  final RateLimitServer server;
  final ManagedChannel channel;
  final RateLimitServiceGrpc.RateLimitServiceBlockingStub stub;

  Rls(String yaml) {
    this(yaml, false, null);
  }

  Rls(String yaml, boolean envoyHeaders, Store store) {
    this(yaml, envoyHeaders, store, null);
  }

  Rls(String yaml, boolean envoyHeaders, Store store, dev.sluice.core.Overrides overrides) {
    EnvoyRateLimiter.Builder b =
        EnvoyRateLimiter.builder(RatelimitConfig.parse(yaml, "test.yaml"))
            .store(store != null ? store : InMemoryStore.builder().ticker(clock).build())
            .envoyHeaders(envoyHeaders);
    if (overrides != null) {
      b.overrides(overrides);
    }
    limiter = b.build();
    server = RateLimitServer.start(limiter, "127.0.0.1", 0);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    stub = RateLimitServiceGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES);
  }

  RateLimitResponse call(RateLimitRequest request) {
    return stub.shouldRateLimit(request);
  }

  /** A request to {@code domain} with descriptors of {@code key=value} pairs each. */
  static RateLimitRequest request(String domain, RateLimitDescriptor... descriptors) {
    RateLimitRequest.Builder b = RateLimitRequest.newBuilder().setDomain(domain);
    for (RateLimitDescriptor d : descriptors) {
      b.addDescriptors(d);
    }
    return b.build();
  }

  /** A descriptor of alternating keys and values. */
  static RateLimitDescriptor descriptor(String... kv) {
    RateLimitDescriptor.Builder b = RateLimitDescriptor.newBuilder();
    for (int i = 0; i < kv.length; i += 2) {
      b.addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(kv[i]).setValue(kv[i + 1]));
    }
    return b.build();
  }

  static RateLimitDescriptor withHits(RateLimitDescriptor d, long hits) {
    return d.toBuilder().setHitsAddend(UInt64Value.of(hits)).build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.close();
  }
}
