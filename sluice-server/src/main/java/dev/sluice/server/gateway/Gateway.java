package dev.sluice.server.gateway;

import dev.sluice.server.ops.Operations;
import dev.sluice.server.ops.TableStats;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gateway: the proxy on the main port (when there is an upstream; {@link ProxyServer}, on
 * Netty's HTTP codec directly) and the admin port (on Vert.x). Each has one event loop per core by
 * default; all of them decide with the same engine and store.
 *
 * <p>{@link #close} drains: the ports stop accepting, requests in flight get up to the drain time
 * to finish, then connections are closed.
 */
public final class Gateway implements AutoCloseable {

  /**
   * Where and how the gateway listens, and what it holds against hostile clients: at most {@code
   * maxConnections} client connections to the proxy, {@code maxConnectionsPerClient} of them from
   * one peer address (an IPv6 /64 counting as one), headers received within {@code
   * clientHeaderTimeout}, and no body left silent for {@code clientBodyTimeout}.
   */
  public record Options(
      String host,
      int port,
      String adminHost,
      int adminPort,
      Upstream upstream,
      int maxBodyBytes,
      int eventLoops,
      Duration drain,
      int maxConnections,
      int maxConnectionsPerClient,
      Duration clientHeaderTimeout,
      Duration clientBodyTimeout) {

    /** The default cap on client connections, lowered to fit the descriptor limit. */
    public static final int MAX_CONNECTIONS = 10_000;

    /** The default cap on client connections from one address. */
    public static final int MAX_CONNECTIONS_PER_CLIENT = 256;

    /** The default deadline for a request's complete headers. */
    public static final Duration CLIENT_HEADER_TIMEOUT = Duration.ofSeconds(20);

    /** The default longest silence of a client while its body is awaited. */
    public static final Duration CLIENT_BODY_TIMEOUT = Duration.ofSeconds(30);

    public Options {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(adminHost, "adminHost");
      Objects.requireNonNull(drain, "drain");
      Objects.requireNonNull(clientHeaderTimeout, "clientHeaderTimeout");
      Objects.requireNonNull(clientBodyTimeout, "clientBodyTimeout");
      if (maxConnections < 1 || maxConnectionsPerClient < 1) {
        throw new IllegalArgumentException("connection limits must be at least 1");
      }
      if (clientHeaderTimeout.isNegative()
          || clientHeaderTimeout.isZero()
          || clientBodyTimeout.isNegative()
          || clientBodyTimeout.isZero()) {
        throw new IllegalArgumentException("client timeouts must be longer than 0");
      }
    }

    /** Options with the default connection limits and client deadlines. */
    public Options(
        String host,
        int port,
        String adminHost,
        int adminPort,
        Upstream upstream,
        int maxBodyBytes,
        int eventLoops,
        Duration drain) {
      this(
          host,
          port,
          adminHost,
          adminPort,
          upstream,
          maxBodyBytes,
          eventLoops,
          drain,
          defaultMaxConnections(),
          MAX_CONNECTIONS_PER_CLIENT,
          CLIENT_HEADER_TIMEOUT,
          CLIENT_BODY_TIMEOUT);
    }

    /** The defaults: 0.0.0.0:8080, admin on 127.0.0.1:8081, 64 KiB bodies, one loop per core. */
    public static Options defaults(Upstream upstream) {
      return new Options(
          "0.0.0.0",
          8080,
          "127.0.0.1",
          8081,
          upstream,
          64 * 1024,
          Runtime.getRuntime().availableProcessors(),
          Duration.ofSeconds(10));
    }

    public Options withPorts(int port, int adminPort) {
      return new Options(
          host,
          port,
          adminHost,
          adminPort,
          upstream,
          maxBodyBytes,
          eventLoops,
          drain,
          maxConnections,
          maxConnectionsPerClient,
          clientHeaderTimeout,
          clientBodyTimeout);
    }

    /** These options with other connection limits. */
    public Options withConnectionLimits(int maxConnections, int maxConnectionsPerClient) {
      return new Options(
          host,
          port,
          adminHost,
          adminPort,
          upstream,
          maxBodyBytes,
          eventLoops,
          drain,
          maxConnections,
          maxConnectionsPerClient,
          clientHeaderTimeout,
          clientBodyTimeout);
    }

    /** These options with other client deadlines. */
    public Options withClientTimeouts(Duration header, Duration body) {
      return new Options(
          host,
          port,
          adminHost,
          adminPort,
          upstream,
          maxBodyBytes,
          eventLoops,
          drain,
          maxConnections,
          maxConnectionsPerClient,
          header,
          body);
    }

    /**
     * {@link #MAX_CONNECTIONS}, or fewer when the process may open fewer descriptors: a proxied
     * connection can hold two (the client's and one to the upstream), and 256 are kept for the JVM,
     * the admin port and the store. So the cap is met, and refused cleanly, before accepting fails
     * for want of descriptors.
     */
    public static int defaultMaxConnections() {
      long fds = -1;
      if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
        fds = unix.getMaxFileDescriptorCount();
      }
      if (fds <= 0) {
        return MAX_CONNECTIONS;
      }
      return (int) Math.max(1, Math.min(MAX_CONNECTIONS, (fds - 256) / 2));
    }
  }

  private final Vertx vertx;
  private final Engines engines;
  private final GatewayMetrics metrics;
  private final AdminHandler admin;
  private final Operations ops;
  private final Options options;
  private volatile int port = -1;
  private volatile int adminPort = -1;
  private final List<String> deployments = new CopyOnWriteArrayList<>();
  private volatile ProxyServer proxy;
  private Protocols protocols = Protocols.plain();

  private Gateway(
      Vertx vertx,
      Engines engines,
      Options options,
      AdminHandler.Readiness readiness,
      Operations ops) {
    this.vertx = vertx;
    this.engines = engines;
    this.options = options;
    this.ops = ops;
    this.metrics = new GatewayMetrics();
    metrics.bind(ops);
    metrics.bind(TableStats.of(engines.store()));
    metrics.bindPolicyHash(engines::policyHash);
    metrics.bind(engines); // every series of the policy, at zero, now and after each reload
    // Every engine, this one and those of reloads to come, tells these of each decision itself:
    // the proxy and /v1/check only decide.
    engines.listen(List.of(metrics.decisions(), ops, new StoreFailureLog()));
    this.admin =
        new AdminHandler(
            engines,
            metrics,
            readiness,
            ops,
            () -> {
              ProxyServer p = proxy;
              return p == null ? null : p.acceptProblem();
            });
  }

  /**
   * Starts a gateway and waits until both ports listen.
   *
   * @param readiness what {@code /readyz} asks (the store's health)
   * @throws IllegalStateException if a port cannot be bound (it says which)
   */
  public static Gateway start(
      Engines engines, Options options, Supplier<Future<String>> readiness) {
    return start(
        engines,
        options,
        readiness,
        Operations.builder(engines::current, engines.overrides()).build());
  }

  /**
   * Starts a gateway with {@code ops} (overrides, usage, webhooks, dashboard, the admin token) on
   * its admin port, and waits until both ports listen. The gateway closes {@code ops} when it
   * closes, or if it cannot start. From now on every engine of {@code engines} tells the gateway's
   * metrics, {@code ops} and its store-failure log of each decision ({@link Engines#listen}, which
   * replaces the listeners set before).
   *
   * @throws IllegalStateException if a port cannot be bound (it says which)
   */
  public static Gateway start(
      Engines engines, Options options, Supplier<Future<String>> readiness, Operations ops) {
    return start(engines, options, readiness, ops, Protocols.plain(), null);
  }

  /**
   * Starts a gateway whose main port speaks {@code protocols} (TLS, HTTP/2), as {@link
   * #start(Engines, Options, Supplier, Operations)} does. With TLS, each reload of the policy also
   * reads the certificate and key again; a reload puts both in force or neither.
   */
  public static Gateway start(
      Engines engines,
      Options options,
      Supplier<Future<String>> readiness,
      Operations ops,
      Protocols protocols) {
    return start(engines, options, readiness, ops, protocols, null);
  }

  /**
   * Starts a gateway as {@link #start(Engines, Options, Supplier, Operations, Protocols)} does,
   * writing a line for each proxied request to {@code accessLog} (null: none). The caller closes
   * the log once the gateway is closed.
   */
  public static Gateway start(
      Engines engines,
      Options options,
      Supplier<Future<String>> readiness,
      Operations ops,
      Protocols protocols,
      AccessLog accessLog) {
    // Before any event loop runs, the admin port's as much as the proxy's: an error logged later
    // must not be what loads the time-zone data (SafeLogging says why).
    SafeLogging.install();
    int loops = Math.max(1, options.eventLoops());
    Vertx vertx =
        Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(true));
    Gateway g = new Gateway(vertx, engines, options, readiness::get, ops);
    g.metrics.bind(accessLog);
    g.protocols = protocols;
    if (protocols.tls() != null) {
      g.admin.alsoReload(protocols.tls()::prepare);
    }
    try {
      g.deploy(loops);
      g.warnOfTablePressure();
    } catch (RuntimeException e) {
      vertx.close();
      ops.close();
      throw e;
    }
    return g;
  }

  /**
   * Every {@value #TABLE_WARNING_PERIOD_MS} ms, a warning if new identities were counted coarsely
   * since the last one (an in-memory store only): at most one line per period, with the counts.
   */
  private void warnOfTablePressure() {
    TableStats table = TableStats.of(engines.store());
    if (table == null) {
      return;
    }
    TableWarnings warnings = new TableWarnings(table);
    vertx.setPeriodic(
        TABLE_WARNING_PERIOD_MS,
        id -> { // a read of a few counters: fine on an event loop
          String w = warnings.check();
          if (w != null) {
            LOG.log(System.Logger.Level.WARNING, w);
          }
        });
  }

  private static final long TABLE_WARNING_PERIOD_MS = 10_000;
  private static final System.Logger LOG = System.getLogger("sluice.gateway");

  /** The operations on the admin port (its token, overrides, usage, webhooks). */
  public Operations operations() {
    return ops;
  }

  private void deploy(int loops) {
    if (options.upstream() != null) {
      try {
        proxy = ProxyServer.start(engines, metrics, options, loops, protocols);
      } catch (Exception e) { // Netty's bind failure is a checked exception, thrown unchecked
        throw new IllegalStateException(
            "cannot listen on "
                + options.host()
                + ":"
                + options.port()
                + " (the gateway's port): "
                + rootMessage(e),
            e);
      }
      port = proxy.port();
    }
    adminPort =
        listen(
            deployments,
            1,
            options.adminHost(),
            options.adminPort(),
            vertx -> admin,
            "the admin port");
  }

  /**
   * Also listens on {@code host:port} for probes only: {@code /healthz} and {@code /readyz} without
   * their details (see {@link ProbeHandler}). It stays open through the drain, answering {@code
   * /readyz} 503 then, and closes last.
   *
   * @return the port bound (useful when asked for port 0)
   * @throws IllegalStateException if the port cannot be bound (it says which)
   */
  public int listenForProbes(String host, int port) {
    // Not among the deployments that close() undeploys at once: vertx.close() ends it, last.
    return listen(
        new ArrayList<>(), 1, host, port, vertx -> new ProbeHandler(admin), "the health port");
  }

  /**
   * The first phase of a shutdown: from now on {@code /readyz} fails (503, {@code "stopping"}) on
   * the admin and health ports, while every request is still served, so load balancers stop sending
   * traffic here before {@link #close} stops taking it.
   */
  public void withdraw() {
    admin.withdraw();
  }

  private int listen(
      List<String> into,
      int instances,
      String host,
      int port,
      java.util.function.Function<Vertx, Handler<HttpServerRequest>> handler,
      String what) {
    HttpServerOptions serverOptions =
        new HttpServerOptions()
            .setHost(host)
            .setPort(port)
            .setHandle100ContinueAutomatically(true)
            .setMaxInitialLineLength(8 * 1024)
            .setMaxHeaderSize(16 * 1024)
            .setIdleTimeout(120)
            .setIdleTimeoutUnit(TimeUnit.SECONDS)
            .setTcpNoDelay(true);
    int[] bound = {-1};
    try {
      into.add(
          vertx
              .deployVerticle(
                  () -> new ServerVerticle(serverOptions, handler, options.drain(), bound),
                  new DeploymentOptions().setInstances(instances))
              .await(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot listen on " + host + ":" + port + " (" + what + "): " + rootMessage(e), e);
    }
    return bound[0];
  }

  private static String rootMessage(Throwable e) {
    while (e.getCause() != null && e.getCause() != e) {
      e = e.getCause();
    }
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  /** The options the gateway was started with. */
  public Options options() {
    return options;
  }

  /** The proxy, for tests that break it; {@code null} without an upstream. */
  ProxyServer proxyServer() {
    return proxy;
  }

  /** The proxy's port (useful when asked for port 0), or -1 without an upstream. */
  public int port() {
    return port;
  }

  /** The admin port. */
  public int adminPort() {
    return adminPort;
  }

  /** Re-reads the policy file: {@code null} if it is now in force, else why it was refused. */
  public String reload() {
    return admin.reload();
  }

  /** Stops accepting, lets requests in flight finish (up to the drain time), and stops. */
  @Override
  public void close() {
    // Both ports drain at once: the proxy on its own loops, the admin port through Vert.x.
    ProxyServer p = proxy;
    java.util.concurrent.CompletableFuture<Void> proxyClosed =
        p == null
            ? java.util.concurrent.CompletableFuture.completedFuture(null)
            : java.util.concurrent.CompletableFuture.runAsync(
                () -> p.close(options.drain()),
                runnable -> new Thread(runnable, "sluice-proxy-drain").start());
    try {
      List<Future<Void>> undeployed = new ArrayList<>();
      for (String id : deployments) {
        undeployed.add(vertx.undeploy(id));
      }
      deployments.clear();
      Future.join(undeployed).await(options.drain().toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // closing anyway: a server that will not drain is closed with the rest below
    }
    proxyClosed.join();
    try {
      vertx.close().await(5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // closing anyway: nothing more can be done for a server that will not stop
    }
    ops.close();
  }

  /** One server instance on one event loop. */
  private static final class ServerVerticle extends VerticleBase {
    private final HttpServerOptions options;
    private final java.util.function.Function<Vertx, Handler<HttpServerRequest>> handler;
    private final Duration drain;
    private final int[] bound;
    private HttpServer server;

    /** {@code handler} makes the request handler, in the verticle's context (on its event loop). */
    ServerVerticle(
        HttpServerOptions options,
        java.util.function.Function<Vertx, Handler<HttpServerRequest>> handler,
        Duration drain,
        int[] bound) {
      this.options = options;
      this.handler = handler;
      this.drain = drain;
      this.bound = bound;
    }

    @Override
    public Future<?> start() {
      Handler<HttpServerRequest> requests = handler.apply(vertx);
      server =
          vertx
              .createHttpServer(options)
              .requestHandler(requests)
              .invalidRequestHandler(ServerVerticle::invalid);
      return server
          .listen()
          .onSuccess(
              s -> {
                synchronized (bound) {
                  bound[0] = s.actualPort();
                }
              });
    }

    @Override
    public Future<?> stop() {
      return server.shutdown(drain.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A request Netty could not parse: a JSON 4xx, and the connection is closed. */
    private static void invalid(HttpServerRequest req) {
      Throwable cause = req.decoderResult().cause();
      int status = 400;
      String code = "BAD_REQUEST";
      String message = "the request is not valid HTTP/1.1";
      if (cause instanceof TooLongFrameException) {
        String m = String.valueOf(cause.getMessage());
        if (m.contains("header")) {
          status = 431;
          code = "HEADERS_TOO_LARGE";
          message = "the request's headers are larger than 16 KiB";
        } else {
          status = 414;
          code = "URI_TOO_LONG";
          message = "the request line is longer than 8 KiB";
        }
      }
      JsonErrors.send(req.response().putHeader("Connection", "close"), status, code, message);
    }
  }
}
