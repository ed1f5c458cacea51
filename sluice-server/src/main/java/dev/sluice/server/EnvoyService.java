package dev.sluice.server;

import dev.sluice.envoy.EnvoyRateLimiter;
import dev.sluice.envoy.RateLimitServer;
import dev.sluice.envoy.RlsTls;
import dev.sluice.server.gateway.Engines;
import java.nio.file.Path;

/**
 * Envoy's rate limit service ({@code --rls-port}) beside the gateway: the descriptors of the
 * envoyproxy/ratelimit configuration the gateway's {@link Engines} loaded, on the same store, with
 * the same identity secret and overrides, reloaded whenever the engines are (SIGHUP, {@code POST
 * /admin/reload}).
 */
final class EnvoyService implements AutoCloseable {
  /** envoyproxy/ratelimit's switch for its {@code RateLimit-*} response headers. */
  static final String HEADERS_ENV = "LIMIT_RESPONSE_HEADERS_ENABLED";

  private final EnvoyRateLimiter limiter;
  private final RateLimitServer server;

  private EnvoyService(EnvoyRateLimiter limiter, RateLimitServer server) {
    this.limiter = limiter;
    this.server = server;
  }

  /**
   * Why {@code --config} and {@code --rls-port} do not go together, or {@code null} if they do: the
   * service serves envoyproxy/ratelimit configuration only, and such configuration is served by it
   * only.
   */
  static String problem(Engines engines, Object config, Integer rlsPort) {
    if (rlsPort != null && engines.envoyConfig() == null) {
      return "--rls-port serves envoyproxy/ratelimit configuration (a file with 'domain:' and"
          + " 'descriptors:', or a directory of them); "
          + config
          + " is a Sluice policy";
    }
    if (rlsPort == null && engines.envoyConfig() != null) {
      return config
          + " is envoyproxy/ratelimit configuration: give --rls-port (envoyproxy/ratelimit serves"
          + " gRPC on 8081) for Envoy to ask";
    }
    return null;
  }

  /**
   * The TLS of the service's port from the {@code --rls-tls-*} options, or {@code null} for
   * plaintext.
   *
   * @throws IllegalArgumentException saying which option is missing or which file is wrong and why
   */
  static RlsTls tls(Integer rlsPort, Path cert, Path key, Path clientCa) {
    if (cert == null && key == null && clientCa == null) {
      return null;
    }
    if (rlsPort == null) {
      throw new IllegalArgumentException(
          "--rls-tls-cert, --rls-tls-key and --rls-tls-client-ca are for the rate limit service:"
              + " give --rls-port too");
    }
    if (cert == null || key == null) {
      throw new IllegalArgumentException(
          cert == null
              ? "--rls-tls-key needs --rls-tls-cert, the certificate chain it belongs to"
              : "--rls-tls-cert needs --rls-tls-key, its private key");
    }
    return RlsTls.load(cert, key, clientCa);
  }

  /** How the banner says the port is secured. */
  static String tlsLabel(RlsTls tls) {
    if (tls == null) {
      return "";
    }
    return tls.clientCertificates() ? "; TLS, client certificates required" : "; TLS";
  }

  /**
   * Serves the configuration of {@code engines} on {@code host}:{@code port}, over TLS if {@code
   * tls} is not null.
   *
   * @throws IllegalStateException if the engines hold a Sluice policy, not envoyproxy/ratelimit
   *     configuration, or the port cannot be bound
   */
  static EnvoyService start(Engines engines, String host, int port, RlsTls tls) {
    if (engines.envoyConfig() == null) {
      throw new IllegalStateException(
          "--rls-port serves envoyproxy/ratelimit configuration (a file with 'domain:' and"
              + " 'descriptors:', or a directory of them); "
              + engines.policyFile()
              + " is a Sluice policy");
    }
    EnvoyRateLimiter limiter =
        EnvoyRateLimiter.builder(engines.envoyConfig())
            .store(engines.store())
            .identitySecret(engines.identitySecret())
            .overrides(engines.overrides())
            .envoyHeaders(Boolean.parseBoolean(System.getenv(HEADERS_ENV)))
            // the gateway's metrics and usage hear of every decision, who was counted included
            .listeners(engines.listeners())
            .trackIdentities(true)
            .build();
    RateLimitServer server;
    try {
      server = RateLimitServer.start(limiter, host, port, tls);
    } catch (java.io.UncheckedIOException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    engines.onEnvoyReload(limiter::reload);
    engines.envoyJson(new dev.sluice.envoy.JsonFace(limiter));
    return new EnvoyService(limiter, server);
  }

  int port() {
    return server.port();
  }

  /** The domains served now. */
  java.util.List<String> domains() {
    return limiter.config().domains();
  }

  @Override
  public void close() {
    server.close();
  }
}
