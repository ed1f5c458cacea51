package dev.sluice.server;

import dev.sluice.config.PolicyException;
import dev.sluice.core.Overrides;
import dev.sluice.core.policy.Durations;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.SharedSecret;
import dev.sluice.core.store.SharedState;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreOptionException;
import dev.sluice.core.store.StoreSettings;
import dev.sluice.core.store.StoreUnavailableException;
import dev.sluice.core.store.Stores;
import dev.sluice.overrides.FileOverrideStorage;
import dev.sluice.overrides.OverrideStorage;
import dev.sluice.overrides.SharedOverrideStorage;
import dev.sluice.overrides.StateDir;
import dev.sluice.server.gateway.AccessLog;
import dev.sluice.server.gateway.DemoUpstream;
import dev.sluice.server.gateway.Engines;
import dev.sluice.server.gateway.Gateway;
import dev.sluice.server.gateway.Protocols;
import dev.sluice.server.gateway.ServerTls;
import dev.sluice.server.gateway.Upstream;
import dev.sluice.server.gateway.UpstreamTls;
import dev.sluice.server.logging.LogSetup;
import dev.sluice.server.ops.AdminToken;
import dev.sluice.server.ops.Operations;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice serve}: enforces a policy in front of an API ({@code --upstream}), as a decision
 * service only (no upstream), or in front of a built-in demo API ({@code --demo}). Runs until
 * SIGTERM or SIGINT, then stops in phases ({@link ShutdownSequence}); SIGHUP reloads the policy
 * file. Every option is also read from its {@code SLUICE_*} variable ({@link EnvironmentDefaults}).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    description = {
      "Enforces a policy: a reverse proxy on --port in front of --upstream, and the",
      "admin port on --admin-port: /healthz, /readyz, /metrics; with a token, POST",
      "/v1/check; with the admin token, /admin/overrides, /admin/usage, /admin/audit,",
      "/admin/reload, /dashboard (the viewer token reads only).",
      "Without --upstream it is a decision service only. SIGHUP reloads the policy file."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:stopped by a signal, after draining",
      "2:the policy is invalid, an option is wrong, or a port cannot be bound"
    })
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** The process's environment (a variable's value by name, or null); tests give their own. */
  private final Function<String, String> environment;

  ServeCommand(Function<String, String> environment) {
    this.environment = environment;
  }

  @Option(
      names = {"-c", "--config"},
      required = true,
      paramLabel = "FILE",
      description = "The policy file (YAML), e.g. examples/ipto.yaml.")
  Path config;

  @Option(
      names = "--upstream",
      paramLabel = "URL",
      description = "The API to protect, e.g. http://127.0.0.1:9000 (a path prefix is kept).")
  String upstream;

  @Option(
      names = "--demo",
      description =
          "Also start a tiny demo API on 127.0.0.1 and protect it (unless --upstream is given).")
  boolean demo;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "8080",
      description = "The proxy's port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--admin-port",
      paramLabel = "PORT",
      defaultValue = "8081",
      description = "The admin port (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      defaultValue = "0.0.0.0",
      description = "The proxy's address (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--admin-host",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description = "The admin port's address (default: ${DEFAULT-VALUE}, loopback only).")
  String adminHost;

  @Option(
      names = "--health-port",
      paramLabel = "PORT",
      description = {
        "Also serve GET /healthz and GET /readyz, and nothing else, on this port, for probes",
        "from the network while the admin port stays on loopback (default: off)."
      })
  Integer healthPort;

  @Option(
      names = "--health-host",
      paramLabel = "ADDRESS",
      defaultValue = "0.0.0.0",
      description = "The health port's address (default: ${DEFAULT-VALUE}).")
  String healthHost;

  @Option(
      names = "--rls-port",
      description =
          "Serve Envoy's rate limit service (gRPC envoy.service.ratelimit.v3) on this port, for"
              + " envoyproxy/ratelimit configuration given as --config (default: off).")
  Integer rlsPort;

  @Option(
      names = "--rls-host",
      defaultValue = "127.0.0.1",
      description = "Address the rate limit service listens on (default: ${DEFAULT-VALUE}).")
  String rlsHost;

  @Option(
      names = "--rls-tls-cert",
      paramLabel = "PEM",
      description = "Serve the rate limit service over TLS with this certificate chain (PEM).")
  Path rlsTlsCert;

  @Option(
      names = "--rls-tls-key",
      paramLabel = "PEM",
      description = "The private key of --rls-tls-cert (PEM, unencrypted PKCS#8).")
  Path rlsTlsKey;

  @Option(
      names = "--rls-tls-client-ca",
      paramLabel = "PEM",
      description =
          "Require client certificates of these authorities on the rate limit service (mutual"
              + " TLS).")
  Path rlsTlsClientCa;

  @Option(
      names = "--store",
      paramLabel = "STORE",
      defaultValue = "memory",
      description = {
        "Where buckets live: memory (default), or Redis, shared by every instance:",
        "redis://HOST:PORT[/DB], rediss://..., redis-sentinel://HOST:PORT,...#MASTER,",
        "redis-cluster://HOST:PORT,HOST:PORT,...; or SCHEME://... of any store whose jar",
        "is on the class path."
      })
  String store;

  @Option(
      names = "--store-timeout",
      paramLabel = "DURATION",
      defaultValue = "250ms",
      converter = DurationConverter.class,
      description =
          "How long a shared store (Redis) may take before the policy's on-store-failure applies"
              + " (default: ${DEFAULT-VALUE}).")
  Duration storeTimeout;

  @Option(
      names = "--store-password-file",
      paramLabel = "FILE",
      description = {
        "A file holding the store's password (its trailing line end dropped), for a --store",
        "URI that carries none; or give the password itself in $SLUICE_STORE_PASSWORD."
      })
  Path storePasswordFile;

  @Option(
      names = "--max-buckets",
      paramLabel = "N",
      defaultValue = "1000000",
      description = {
        "With the memory store, the cap on buckets over all rules (default: ${DEFAULT-VALUE},",
        "about 1 GB of heap at worst). New identities get buckets of their own up to 90%% of it;",
        "past that they are counted per client address, at the cap per rule: never refused."
      })
  long maxBuckets;

  @Option(
      names = "--max-new-identities-per-client",
      paramLabel = "N",
      defaultValue = "" + InMemoryStore.DEFAULT_MAX_NEW_PER_ORIGIN,
      description = {
        "With the memory store, how many new identities (tokens, keys, e-mails) one client",
        "address (IPv6: one /64) may introduce per minute; the rest are counted together,",
        "per rule and address (default: ${DEFAULT-VALUE}; 0: no ceiling)."
      })
  long maxNewIdentitiesPerClient;

  @Option(
      names = "--max-body-bytes",
      paramLabel = "BYTES",
      defaultValue = "65536",
      description = "The most of a body read to find a JSON body key (default: ${DEFAULT-VALUE}).")
  int maxBodyBytes;

  @Option(
      names = "--upstream-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description = "How long the upstream may be silent before a 504 (default: ${DEFAULT-VALUE}).")
  Duration upstreamTimeout;

  @Option(
      names = "--drain",
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description =
          "How long requests in flight may take to finish on shutdown (default: ${DEFAULT-VALUE}).")
  Duration drain;

  @Option(
      names = "--shutdown-grace",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = {
        "On SIGTERM, how long /readyz fails while requests are still served, for load",
        "balancers to stop sending them, before the drain (default: ${DEFAULT-VALUE}; 0: none;",
        "SIGINT or a second signal skips it)."
      })
  Duration shutdownGrace;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      description = {
        "The most client connections the proxy holds; one more is answered 503 at once",
        "(default: 10000, or (descriptor limit - 256) / 2 if that is fewer)."
      })
  Integer maxConnections;

  @Option(
      names = "--max-connections-per-client",
      paramLabel = "N",
      defaultValue = "256",
      description = {
        "The most client connections from one address (an IPv6 /64 counts as one; trusted",
        "proxies are exempt); one more is answered 503 at once (default: ${DEFAULT-VALUE})."
      })
  int maxConnectionsPerClient;

  @Option(
      names = "--client-header-timeout",
      paramLabel = "DURATION",
      defaultValue = "20s",
      converter = DurationConverter.class,
      description = {
        "How long a client may take to send a request's headers, from its connection",
        "(or its first byte, on a kept-alive one); then 408 (default: ${DEFAULT-VALUE})."
      })
  Duration clientHeaderTimeout;

  @Option(
      names = "--client-body-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description = {
        "How long a client may stay silent while its request body is awaited; then 408,",
        "or a closed connection once the answer has begun (default: ${DEFAULT-VALUE})."
      })
  Duration clientBodyTimeout;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "Serve the main port over TLS (1.3 and 1.2) with this PEM certificate, then its chain;"
              + " clients choose HTTP/2 or HTTP/1.1 by ALPN. Read again on reload.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "The unencrypted PKCS#8 PEM private key of --tls-cert. Read again on reload.")
  Path tlsKey;

  @Option(
      names = "--h2c",
      description =
          "Without TLS, also take HTTP/2 with prior knowledge (clear text) on the main port.")
  boolean h2c;

  @Option(
      names = "--upstream-ca",
      paramLabel = "FILE",
      description =
          "Trust only the CA certificates of this PEM file for an https:// upstream (default: the"
              + " JDK's trusted authorities). Its certificate must name its host either way.")
  Path upstreamCa;

  /** What the main port speaks, from the options above: set by {@link #call}. */
  private Protocols protocols = Protocols.plain();

  /**
   * The protocols of the TLS and HTTP/2 options.
   *
   * @throws IllegalArgumentException if they are incomplete or a file is wrong (it says which)
   */
  private Protocols protocols() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          tlsCert == null
              ? "--tls-key needs --tls-cert, the certificate it belongs to"
              : "--tls-cert needs --tls-key, its private key");
    }
    if (tlsCert != null && h2c) {
      throw new IllegalArgumentException(
          "--h2c is HTTP/2 in clear text; with --tls-cert, HTTP/2 is already offered by ALPN");
    }
    ServerTls tls = tlsCert == null ? null : ServerTls.load(tlsCert, tlsKey);
    UpstreamTls upstreamTls = upstreamCa == null ? null : UpstreamTls.trusting(upstreamCa);
    return new Protocols(tls, h2c, upstreamTls);
  }

  @Option(
      names = "--admin-token",
      paramLabel = "TOKEN",
      description = {
        "The bearer token of /admin and /dashboard (at least 16 characters).",
        "Default: a random one, printed at start-up."
      })
  String adminToken;

  @Option(
      names = "--check-token",
      paramLabel = "TOKEN",
      description = {
        "A bearer token for POST /v1/check only (at least 16 characters), for the services",
        "that call it; the admin token opens it too (default: none)."
      })
  String checkToken;

  @Option(
      names = "--viewer-token",
      paramLabel = "TOKEN",
      description = {
        "A read-only bearer token (at least 16 characters): the dashboard and every GET",
        "under /admin, never a change. Default: $SLUICE_VIEWER_TOKEN, else none."
      })
  String viewerToken;

  @Option(
      names = "--dashboard-session",
      paramLabel = "DURATION",
      defaultValue = "12h",
      converter = DurationConverter.class,
      description =
          "How long a dashboard sign-in (its cookie) lasts, 1m to 30d (default: ${DEFAULT-VALUE}).")
  Duration dashboardSession;

  @Option(
      names = "--open-check",
      description = {
        "Let POST /v1/check take requests without a token: whoever reaches the admin port",
        "can then charge and read any client's limits."
      })
  boolean openCheck;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      defaultValue = ".sluice",
      description = {
        "With the memory store, where the identity key and the overrides are kept",
        "across restarts (default: ${DEFAULT-VALUE}, in the working directory)."
      })
  Path stateDir;

  @Option(
      names = "--usage-retention",
      paramLabel = "DURATION",
      defaultValue = "7d",
      converter = DurationConverter.class,
      description =
          "How long the hourly and daily usage report is kept (default: ${DEFAULT-VALUE}).")
  Duration usageRetention;

  @Option(
      names = "--webhook-retry-for",
      paramLabel = "DURATION",
      defaultValue = "24h",
      converter = DurationConverter.class,
      description = {
        "How long a webhook event's delivery is retried before it fails for good and is",
        "listed in GET /admin/webhooks/failed for a re-send (default: ${DEFAULT-VALUE})."
      })
  Duration webhookRetryFor;

  @Option(
      names = "--webhook-backoff",
      paramLabel = "DURATION",
      defaultValue = "1s",
      converter = DurationConverter.class,
      description =
          "The shortest wait between two attempts of a webhook delivery (default:"
              + " ${DEFAULT-VALUE}).")
  Duration webhookBackoff;

  @Option(
      names = "--webhook-max-backoff",
      paramLabel = "DURATION",
      defaultValue = "10m",
      converter = DurationConverter.class,
      description =
          "The longest wait between two attempts of a webhook delivery (default:"
              + " ${DEFAULT-VALUE}).")
  Duration webhookMaxBackoff;

  @Option(
      names = "--webhook-queue",
      paramLabel = "EVENTS",
      defaultValue = "10000",
      description = {
        "Webhook events that may wait for delivery, kept in the state directory across",
        "restarts; beyond that the oldest is dropped (default: ${DEFAULT-VALUE})."
      })
  int webhookQueue;

  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = {
        "The server's own messages, on standard error: text (one line each) or json (one",
        "object a line: time, level, logger, thread, message, exception). Default:"
            + " ${DEFAULT-VALUE}."
      })
  String logFormat;

  @Option(
      names = "--access-log",
      paramLabel = "PATH|-",
      description = {
        "Write a line for each proxied request to PATH (appended to; '-' for standard output).",
        "Never a key, token or query string: identities as fingerprints. Off by default."
      })
  String accessLog;

  @Option(
      names = "--access-log-format",
      paramLabel = "FORMAT",
      defaultValue = "combined",
      description =
          "combined (nginx's, with Sluice's fields after the user agent) or json; default:"
              + " ${DEFAULT-VALUE}.")
  String accessLogFormat;

  @Option(
      names = "--access-log-client",
      paramLabel = "HOW",
      defaultValue = "address",
      description = {
        "How the access log names the client: address (as counted, after trusted proxies)",
        "or fingerprint (a keyed hash: clients stay distinct, addresses are not kept)."
      })
  String accessLogClient;

  static final String ADMIN_TOKEN_ENV = "SLUICE_ADMIN_TOKEN";
  static final String CHECK_TOKEN_ENV = "SLUICE_CHECK_TOKEN";
  static final String VIEWER_TOKEN_ENV = "SLUICE_VIEWER_TOKEN";

  /**
   * How option {@code name}'s value was given, for messages: the option itself if on the command
   * line, else its variable (see {@link EnvironmentDefaults}).
   */
  private String source(String name) {
    return spec.commandLine().getParseResult().hasMatchedOption(name)
        ? name
        : EnvironmentDefaults.variable(spec.findOption(name));
  }

  /** Whether option {@code name} was given, on the command line or by its variable. */
  private boolean given(String name) {
    if (spec.commandLine().getParseResult().hasMatchedOption(name)) {
      return true;
    }
    String value = environment.apply(EnvironmentDefaults.variable(spec.findOption(name)));
    return value != null && !value.isEmpty();
  }

  /** How often an instance on a shared store checks that it hashes identities as the others do. */
  static final Duration SECRET_CHECK_EVERY = Duration.ofSeconds(1);

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    AccessLog.Format accessFormat;
    AccessLog.Client accessClient;
    try {
      LogSetup.configure(LogSetup.Format.parse(logFormat));
      accessFormat = AccessLog.Format.parse(accessLogFormat);
      accessClient = AccessLog.Client.parse(accessLogClient);
    } catch (IllegalArgumentException e) {
      err.println("sluice serve: " + e.getMessage());
      err.flush();
      return CheckCommand.INVALID;
    }
    if (port < 0
        || port > 65535
        || adminPort < 0
        || adminPort > 65535
        || (healthPort != null && (healthPort < 0 || healthPort > 65535))) {
      err.println("sluice serve: ports are numbers from 0 to 65535");
      err.flush();
      return CheckCommand.INVALID;
    }
    String webhookProblem = webhookProblem();
    if (webhookProblem != null) {
      err.println("sluice serve: " + webhookProblem);
      err.flush();
      return CheckCommand.INVALID;
    }
    if (rlsPort != null && (rlsPort < 0 || rlsPort > 65535)) {
      err.println("sluice serve: --rls-port is a number from 0 to 65535");
      err.flush();
      return CheckCommand.INVALID;
    }
    dev.sluice.envoy.RlsTls rlsTls;
    try {
      rlsTls = EnvoyService.tls(rlsPort, rlsTlsCert, rlsTlsKey, rlsTlsClientCa);
    } catch (IllegalArgumentException e) {
      err.println("sluice serve: " + e.getMessage());
      err.flush();
      return CheckCommand.INVALID;
    }
    if (maxBodyBytes < 0) {
      err.println("sluice serve: --max-body-bytes must not be negative");
      err.flush();
      return CheckCommand.INVALID;
    }
    if ((maxConnections != null && maxConnections < 1) || maxConnectionsPerClient < 1) {
      err.println(
          "sluice serve: --max-connections and --max-connections-per-client must be 1 or more");
      err.flush();
      return CheckCommand.INVALID;
    }
    if (clientHeaderTimeout.isZero() || clientBodyTimeout.isZero()) {
      err.println(
          "sluice serve: --client-header-timeout and --client-body-timeout must be longer than 0");
      err.flush();
      return CheckCommand.INVALID;
    }
    if (storeTimeout.isZero()) {
      err.println("sluice serve: --store-timeout must be longer than 0");
      err.flush();
      return CheckCommand.INVALID;
    }
    if (usageRetention.isZero()) {
      err.println("sluice serve: --usage-retention must be longer than 0");
      err.flush();
      return CheckCommand.INVALID;
    }
    AdminToken token;
    boolean tokenGenerated = false;
    String configuredToken = adminToken;
    try {
      if (configuredToken != null && !configuredToken.isEmpty()) {
        token = AdminToken.of(configuredToken);
      } else {
        token = AdminToken.generate();
        tokenGenerated = true;
      }
    } catch (IllegalArgumentException e) {
      err.println("sluice serve: " + source("--admin-token") + ": " + e.getMessage());
      err.flush();
      return CheckCommand.INVALID;
    }
    AdminToken check = null;
    String configuredCheck = checkToken;
    if (configuredCheck != null && !configuredCheck.isEmpty()) {
      if (openCheck) {
        err.println(
            "sluice serve: --open-check lets /v1/check take requests without a token, and "
                + source("--check-token")
                + " gives it one: choose one");
        err.flush();
        return CheckCommand.INVALID;
      }
      try {
        check = AdminToken.of(configuredCheck, "a check token");
      } catch (IllegalArgumentException e) {
        err.println("sluice serve: " + source("--check-token") + ": " + e.getMessage());
        err.flush();
        return CheckCommand.INVALID;
      }
    }
    AdminToken viewer = null;
    String configuredViewer = viewerToken != null ? viewerToken : System.getenv(VIEWER_TOKEN_ENV);
    if (configuredViewer != null && !configuredViewer.isEmpty()) {
      String flag = viewerToken != null ? "--viewer-token" : VIEWER_TOKEN_ENV;
      try {
        viewer = AdminToken.of(configuredViewer, "a viewer token");
      } catch (IllegalArgumentException e) {
        err.println("sluice serve: " + flag + ": " + e.getMessage());
        err.flush();
        return CheckCommand.INVALID;
      }
      if (token.accepts(configuredViewer)) {
        err.println(
            "sluice serve: "
                + flag
                + " is the admin token: give the viewer a token of its own, or it could make"
                + " changes too");
        err.flush();
        return CheckCommand.INVALID;
      }
    }
    if (dashboardSession.compareTo(Duration.ofMinutes(1)) < 0
        || dashboardSession.compareTo(Duration.ofDays(30)) > 0) {
      err.println("sluice serve: --dashboard-session is from 1m to 30d");
      err.flush();
      return CheckCommand.INVALID;
    }
    // Every store is found by its URI's scheme (Stores, sluice-core): memory here, redis://... in
    // sluice-redis, any other in a jar of its own on the class path.
    String fromEnv = environment.apply(IdentitySecret.ENV);
    String password;
    try {
      password =
          StorePassword.resolve(environment, storePasswordFile, source("--store-password-file"));
    } catch (IllegalArgumentException e) {
      err.println("sluice serve: " + e.getMessage());
      err.flush();
      return CheckCommand.INVALID;
    }
    StoreSettings.Builder settings =
        StoreSettings.builder()
            .timeout(storeTimeout)
            // With the identity secret given, nothing needs a shared store to start: if it is
            // down, the gateway serves under the policy's on-store-failure mode until it connects.
            // Without it, the secret must first be read from the store.
            .connectInBackground(fromEnv != null);
    if (password != null) {
      settings.password(password);
    }
    // Options of one kind of store, passed only when given: a store that does not take one says
    // why (Redis: it bounds its own memory), and one that does applies its own default.
    Map<String, Long> storeOptions = new LinkedHashMap<>();
    storeOptions.put("--max-buckets", maxBuckets);
    storeOptions.put("--max-new-identities-per-client", maxNewIdentitiesPerClient);
    storeOptions.forEach(
        (flag, value) -> {
          if (given(flag)) {
            settings.option(flag.substring(2), Long.toString(value));
          }
        });
    Store buckets;
    try {
      buckets = Stores.open(store, settings.build());
    } catch (StoreOptionException e) {
      err.println("sluice serve: --" + e.option() + " " + e.reason());
      err.flush();
      return CheckCommand.INVALID;
    } catch (StoreUnavailableException e) {
      err.println(
          "sluice serve: --store: "
              + e.getMessage()
              + ". Start it first, or give every instance the same "
              + IdentitySecret.ENV
              + " to start without it (requests are then decided under the policy's"
              + " on-store-failure mode until it is reachable)");
      err.flush();
      return CheckCommand.INVALID;
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println(
          "sluice serve: --store: "
              + e.getMessage()
              + (password == null
                  ? ""
                  : " (the password is from "
                      + (storePasswordFile != null
                          ? source("--store-password-file")
                          : StorePassword.ENV)
                      + ")"));
      err.flush();
      return CheckCommand.INVALID;
    }
    if (password != null && buckets.shared().isEmpty()) {
      err.println(
          "sluice serve: warning: a store password is given, but the "
              + Stores.masked(store)
              + " store takes none; it is not used");
      err.flush();
    }
    byte[] secret;
    SharedSecret sharedSecret = null;
    OverrideStorage overrideStorage;
    Optional<SharedState> shared = buckets.shared();
    if (shared.isPresent()) {
      try {
        // Every instance must hash identities alike: the environment's secret if given (its
        // fingerprint kept in the store, so an instance with another one is caught), else the one
        // the first instance left there. Checked now and every second (SecretWatch).
        sharedSecret =
            shared
                .get()
                .identitySecret(
                    "identity-secret",
                    fromEnv != null ? IdentitySecret.fromEnvironment(fromEnv) : null);
        try {
          if (sharedSecret.check() == SharedSecret.Check.CONFLICT) {
            throw new IllegalArgumentException("the identity secret: " + sharedSecret.problem());
          }
        } catch (StoreUnavailableException e) {
          if (fromEnv == null) {
            throw e; // without its own secret, an instance must read the shared one first
          }
        }
        secret = sharedSecret.secret();
        // Shared by every instance, overrides live in the store with the buckets.
        overrideStorage = new SharedOverrideStorage(shared.get().map("overrides"));
      } catch (IllegalArgumentException | StoreUnavailableException e) {
        err.println("sluice serve: " + e.getMessage());
        err.flush();
        buckets.close();
        return CheckCommand.INVALID;
      }
    } else {
      // A store private to this process: the secret and the overrides live in the state
      // directory.
      try {
        StateDir state = StateDir.open(stateDir);
        secret = state.identityKey();
        overrideStorage = new FileOverrideStorage(state.overridesFile(), secret);
      } catch (UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
        err.println("sluice serve: --state-dir: " + e.getMessage());
        err.flush();
        buckets.close();
        return CheckCommand.INVALID;
      }
    }
    Engines engines;
    try {
      engines = new Engines(config, buckets, secret, new Overrides());
    } catch (PolicyException e) {
      err.println(e.getMessage());
      err.flush();
      overrideStorage.close();
      buckets.close();
      return CheckCommand.INVALID;
    }
    String rlsProblem = EnvoyService.problem(engines, config, rlsPort);
    if (rlsProblem != null) {
      err.println("sluice serve: " + rlsProblem);
      err.flush();
      overrideStorage.close();
      buckets.close();
      return CheckCommand.INVALID;
    }
    Operations ops;
    try {
      Operations.Builder opsBuilder =
          Operations.builder(engines::current, engines.overrides())
              .token(token)
              .openCheck(openCheck)
              .storage(overrideStorage)
              .usageRetention(usageRetention)
              .webhookRetryFor(webhookRetryFor)
              .webhookBackoff(webhookBackoff)
              .webhookMaxBackoff(webhookMaxBackoff)
              .webhookQueue(webhookQueue)
              .webhookJournal(stateDir.resolve("webhooks.journal"))
              .sessionTtl(dashboardSession)
              .policyHash(engines::policyHash);
      if (check != null) {
        opsBuilder.checkToken(check);
      }
      if (viewer != null) {
        opsBuilder.viewerToken(viewer);
      }
      shared.ifPresent(opsBuilder::shared);
      ops = opsBuilder.build();
    } catch (IllegalArgumentException
        | StoreUnavailableException
        | UncheckedIOException e) { // a webhook's secret, Redis, the webhook journal
      err.println("sluice serve: " + e.getMessage());
      err.flush();
      overrideStorage.close();
      buckets.close();
      return CheckCommand.INVALID;
    }
    Supplier<Future<String>> storeReadiness = () -> Future.fromCompletionStage(engines.probe());
    Supplier<Future<String>> readiness = storeReadiness;
    SecretWatch secretWatch = null;
    if (sharedSecret != null) {
      SecretWatch watch =
          new SecretWatch(sharedSecret, engines, ops::resyncOverrides, SECRET_CHECK_EVERY);
      readiness = () -> watch.readiness(storeReadiness);
      secretWatch = watch;
    }
    SecretWatch watchToClose = secretWatch;
    Upstream target = null;
    DemoUpstream demoApi = null;
    try {
      protocols = protocols();
      if (upstream != null) {
        target = Upstream.parse(upstream, upstreamTimeout);
      } else if (demo) {
        demoApi = DemoUpstream.start(0);
        target = Upstream.parse(demoApi.url(), upstreamTimeout);
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("sluice serve: " + e.getMessage());
      err.flush();
      ops.close();
      if (watchToClose != null) {
        watchToClose.close();
      }
      buckets.close();
      return CheckCommand.INVALID;
    }
    Gateway.Options options =
        new Gateway.Options(
            host,
            port,
            adminHost,
            adminPort,
            target,
            maxBodyBytes,
            Runtime.getRuntime().availableProcessors(),
            drain,
            maxConnections != null ? maxConnections : Gateway.Options.defaultMaxConnections(),
            maxConnectionsPerClient,
            clientHeaderTimeout,
            clientBodyTimeout);
    AccessLog requestLog = null;
    Gateway gateway;
    try {
      if (accessLog != null) {
        requestLog = AccessLog.open(accessLog, accessFormat, accessClient);
      }
      gateway = Gateway.start(engines, options, readiness, ops, protocols, requestLog);
    } catch (IllegalStateException | IOException e) {
      err.println(
          "sluice serve: "
              + (e instanceof IOException
                  ? "--access-log " + accessLog + " cannot be opened for appending: " + e
                  : e.getMessage()));
      err.flush();
      if (requestLog != null) {
        requestLog.close();
      }
      if (e instanceof IOException) {
        ops.close(); // the gateway, not started, did not close them
      }
      if (demoApi != null) {
        demoApi.close();
      }
      if (watchToClose != null) {
        watchToClose.close();
      }
      buckets.close(); // the gateway closed the operations when it could not start
      return CheckCommand.INVALID;
    }
    EnvoyService rls = null;
    if (rlsPort != null) {
      try {
        rls = EnvoyService.start(engines, rlsHost, rlsPort, rlsTls);
      } catch (IllegalStateException e) {
        err.println("sluice serve: " + e.getMessage());
        err.flush();
        gateway.close();
        if (demoApi != null) {
          demoApi.close();
        }
        if (watchToClose != null) {
          watchToClose.close();
        }
        buckets.close();
        return CheckCommand.INVALID;
      }
    }
    EnvoyService rlsToClose = rls;
    AccessLog requestLogToClose = requestLog;
    int probesPort = -1;
    if (healthPort != null) {
      try {
        probesPort = gateway.listenForProbes(healthHost, healthPort);
      } catch (IllegalStateException e) {
        err.println("sluice serve: " + e.getMessage());
        err.flush();
        if (rlsToClose != null) {
          rlsToClose.close();
        }
        gateway.close();
        if (demoApi != null) {
          demoApi.close();
        }
        if (watchToClose != null) {
          watchToClose.close();
        }
        buckets.close();
        return CheckCommand.INVALID;
      }
    }
    String hangUpProblem = Signals.onHangUp(() -> gateway.reload());
    // SIGTERM and SIGINT ask the main thread to run the shutdown sequence and return 0 (the
    // documented exit code); left to the JVM, they would start its shutdown and end it with 143 or
    // 130. The shutdown hook stays for every other way the JVM may be told to stop, and runs the
    // same sequence once.
    DemoUpstream demoToClose = demoApi;
    ShutdownSequence shutdown =
        new ShutdownSequence(
            gateway::withdraw,
            () -> {
              if (rlsToClose != null) {
                rlsToClose.close();
              }
              gateway.close();
            },
            () -> {
              if (requestLogToClose != null) {
                requestLogToClose.close();
              }
              if (watchToClose != null) {
                watchToClose.close();
              }
              buckets.close();
              if (demoToClose != null) {
                demoToClose.close();
              }
            },
            shutdownGrace,
            drain,
            message -> SHUTDOWN_LOG.log(System.Logger.Level.INFO, message));
    Runtime.getRuntime().addShutdownHook(new Thread(shutdown::run, "sluice-shutdown"));
    // SIGINT is a person at a terminal, with no load balancer to wait for: no grace.
    Signals.onTerminate(signal -> shutdown.request("INT".equals(signal)));
    banner(out, engines, gateway, target, demoApi != null, tokenGenerated);
    if (requestLog != null) {
      out.println(
          "  access log: "
              + requestLog.where()
              + " ("
              + accessLogFormat.toLowerCase(Locale.ROOT)
              + ")");
    }
    if (rls != null) {
      out.println(
          "  envoy:  grpc://"
              + display(rlsHost)
              + ":"
              + rls.port()
              + "  (envoy.service.ratelimit.v3.RateLimitService"
              + EnvoyService.tlsLabel(rlsTls)
              + "; domains: "
              + String.join(", ", rls.domains())
              + ")");
    }
    if (probesPort >= 0) {
      out.println(
          "  health: http://"
              + display(healthHost)
              + ":"
              + probesPort
              + "  (GET /healthz, GET /readyz only)");
    }
    out.println(
        "Stop with Ctrl-C or SIGTERM (SIGTERM: /readyz fails for "
            + ShutdownSequence.text(shutdownGrace)
            + ", then requests in flight drain for up to "
            + ShutdownSequence.text(drain)
            + ")");
    String reload =
        "curl -X POST -H 'Authorization: Bearer "
            + (tokenGenerated ? gateway.operations().token().value() : "<token>")
            + "' http://"
            + display(adminHost)
            + ":"
            + gateway.adminPort()
            + "/admin/reload";
    if (hangUpProblem == null) {
      out.println(
          "Reload the policy with kill -HUP " + ProcessHandle.current().pid() + ", or " + reload);
    } else {
      out.println("Reload the policy with " + reload);
      out.println("  (" + hangUpProblem + ": kill -HUP does nothing)");
    }
    out.flush();
    try {
      shutdown.awaitRequest();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    shutdown.run();
    return 0;
  }

  private static final System.Logger SHUTDOWN_LOG = System.getLogger("sluice.shutdown");

  private void banner(
      PrintWriter out,
      Engines engines,
      Gateway gateway,
      Upstream target,
      boolean demoUpstream,
      boolean tokenGenerated) {
    out.println(
        "Sluice is enforcing "
            + config
            + " ("
            + (engines.envoyConfig() != null
                ? "envoyproxy/ratelimit configuration, "
                    + engines.envoyConfig().domains().size()
                    + " domains"
                : engines.current().policy().rules().size() + " rules")
            + ", store: "
            + Stores.masked(store)
            + ")");
    if (target != null) {
      out.println(
          "  proxy:  "
              + (protocols.tls() != null ? "https://" : "http://")
              + display(host)
              + ":"
              + gateway.port()
              + " -> "
              + target
              + (demoUpstream ? " (the demo API)" : ""));
      if (protocols.tls() != null) {
        out.println(
            "  tls:    "
                + protocols.tls().certFile()
                + " ("
                + protocols.tls().engine()
                + "; HTTP/2 and HTTP/1.1 by ALPN; reloaded with the policy)");
      } else if (protocols.h2c()) {
        out.println("  h2c:    HTTP/2 with prior knowledge, and HTTP/1.1");
      }
      out.println(
          "  limits: "
              + gateway.options().maxConnections()
              + " connections, "
              + gateway.options().maxConnectionsPerClient()
              + " per client address; headers within "
              + Durations.label(gateway.options().clientHeaderTimeout())
              + ", no body silent for "
              + Durations.label(gateway.options().clientBodyTimeout()));
    } else {
      out.println("  proxy:  off (no --upstream): decision service only");
    }
    String admin = "http://" + display(adminHost) + ":" + gateway.adminPort();
    out.println(
        "  admin:  "
            + admin
            + "  (/healthz /readyz /metrics; with the token: POST /v1/check,"
            + " /admin/..., /dashboard)");
    Operations ops = gateway.operations();
    if (tokenGenerated) {
      out.println(
          "  token:  "
              + ops.token().value()
              + "  (generated for this run; set --admin-token"
              + " or "
              + ADMIN_TOKEN_ENV
              + " to keep one)");
    } else {
      out.println("  token:  from " + source("--admin-token"));
    }
    out.println(
        "  dashboard: "
            + admin
            + "/dashboard?token="
            + (tokenGenerated ? ops.token().value() : "<token>")
            + "  (signs in with a cookie and drops the token from the address; or sign in at "
            + admin
            + "/dashboard/sign-in)");
    if (ops.viewerToken() != null) {
      out.println(
          "  viewer: a read-only token (from "
              + (viewerToken != null ? "--viewer-token" : VIEWER_TOKEN_ENV)
              + ") opens the dashboard and GET /admin/...; changes need the admin token");
    }
    out.println("  overrides: " + ops.overrides() + " stored, in " + ops.storageDescription());
    if (target != null) {
      out.println("Try:  curl -i http://127.0.0.1:" + gateway.port() + "/");
    }
    if (ops.checkToken() != null) {
      out.println(
          "  check:  POST /v1/check takes the check token (from "
              + source("--check-token")
              + ") or the admin token");
    } else if (ops.checkOpen()) {
      out.println("  check:  POST /v1/check is open (--open-check): it takes no token");
    }
    String bearer =
        ops.checkOpen()
            ? ""
            : " -H 'Authorization: Bearer "
                + (tokenGenerated ? ops.token().value() : "<token>")
                + "'";
    out.println(
        "Try:  curl -s"
            + bearer
            + " "
            + admin
            + "/v1/check -d '{\"method\":\"GET\",\"path\":\"/\","
            + "\"client_address\":\"203.0.113.7\"}'");
    out.flush();
  }

  /** What is wrong with the webhook options, naming them, or {@code null}. */
  String webhookProblem() {
    if (webhookBackoff.toMillis() < 1) {
      return "--webhook-backoff must be at least 1ms, got " + webhookBackoff.toNanos() + "ns";
    }
    if (webhookMaxBackoff.compareTo(webhookBackoff) < 0) {
      return "--webhook-max-backoff ("
          + webhookMaxBackoff.toMillis()
          + "ms) must be at least --webhook-backoff ("
          + webhookBackoff.toMillis()
          + "ms)";
    }
    if (webhookQueue < 1) {
      return "--webhook-queue must be at least 1, got " + webhookQueue;
    }
    return null;
  }

  private static String display(String address) {
    return "0.0.0.0".equals(address) ? "127.0.0.1" : address;
  }

  /** Reads durations as policies write them: {@code 30s}, {@code 500ms}, {@code 2m}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d = Durations.parse(value);
      if (d == null || d.isNegative()) {
        throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not a duration (e.g. 30s, 500ms, 2m)");
      }
      return d;
    }
  }
}
