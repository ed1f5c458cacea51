package dev.sluice.envoy;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code envoy.service.ratelimit.v3.RateLimitService} over gRPC (HTTP/2, plaintext or TLS, see
 * {@link RlsTls}), answering with an {@link EnvoyRateLimiter}. A malformed request is {@code
 * INVALID_ARGUMENT}; a failure of the service itself {@code INTERNAL}; neither stops the server.
 */
public final class RateLimitServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RateLimitServer.class.getName());

  private final Server server;

  private RateLimitServer(Server server) {
    this.server = server;
  }

  /**
   * Starts serving {@code limiter} on {@code host}:{@code port} ({@code 0} for any free port).
   *
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static RateLimitServer start(EnvoyRateLimiter limiter, String host, int port) {
    return start(limiter, host, port, null);
  }

  /**
   * Starts serving {@code limiter} on {@code host}:{@code port} ({@code 0} for any free port), over
   * TLS if {@code tls} is not null.
   *
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static RateLimitServer start(EnvoyRateLimiter limiter, String host, int port, RlsTls tls) {
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(host, port));
    if (tls != null) {
      b.sslContext(tls.context());
    }
    Server s =
        b.addService(new Service(limiter))
            // A decision never blocks (a remote store answers through a future): it runs on the
            // transport's event loop, without a hop to another thread per call.
            .directExecutor()
            .maxInboundMessageSize(1 << 20)
            .build();
    try {
      s.start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve the rate limit service on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    return new RateLimitServer(s);
  }

  /** The port it listens on. */
  public int port() {
    return server.getPort();
  }

  /** Stops accepting calls and waits up to 5 seconds for those in flight. */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static final class Service extends RateLimitServiceGrpc.RateLimitServiceImplBase {
    private final EnvoyRateLimiter limiter;

    Service(EnvoyRateLimiter limiter) {
      this.limiter = limiter;
    }

    @Override
    public void shouldRateLimit(
        RateLimitRequest request, StreamObserver<RateLimitResponse> response) {
      try {
        limiter
            .decide(request)
            .whenComplete(
                (r, failure) -> {
                  if (failure == null) {
                    response.onNext(r);
                    response.onCompleted();
                  } else {
                    response.onError(status(failure));
                  }
                });
      } catch (RuntimeException e) {
        response.onError(status(e));
      }
    }

    private static RuntimeException status(Throwable failure) {
      Throwable t =
          failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause()
              : failure;
      if (t instanceof EnvoyRateLimiter.InvalidRequest) {
        return Status.INVALID_ARGUMENT.withDescription(t.getMessage()).asRuntimeException();
      }
      LOG.log(Level.WARNING, "the rate limit service failed on a request", t);
      return Status.INTERNAL.withDescription("the rate limit service failed").asRuntimeException();
    }
  }
}
