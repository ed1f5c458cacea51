package dev.sluice.redis;

import dev.sluice.core.store.StoreUnavailableException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One shared Lettuce connection (standalone, Sentinel-discovered master, or Cluster) and the client
 * behind it, set up to fail fast and heal by itself.
 *
 * <ul>
 *   <li>Every command times out after the store's timeout ({@link TimeoutOptions}).
 *   <li>While disconnected, commands are rejected at once ({@code REJECT_COMMANDS}) instead of
 *       being buffered until the connection returns; the connection reconnects in the background
 *       (10 ms, doubling up to 1 s between attempts), so the store recovers without a restart.
 *   <li>Commands written to a connection that then broke are never replayed on the new one (a
 *       replay filter that drops them all): a charge that may have reached Redis is not sent twice.
 *       Its caller has already been answered by the timeout.
 *   <li>Opened {@linkplain #open in the background}, a connection whose first attempt fails keeps
 *       trying (100 ms, doubling up to 2 s between attempts) on a thread of its own; until it
 *       succeeds every command fails at once with {@link StoreUnavailableException}, and the
 *       {@linkplain #whenConnected callbacks} run when it does. (Lettuce reconnects a connection
 *       that was up once, but cannot make one that never was.)
 * </ul>
 *
 * One connection serves every caller: Lettuce pipelines concurrent commands on it, which is what
 * lets throughput be bounded by Redis rather than by round trips.
 */
final class Connection implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("sluice.redis");
  private static final long FIRST_RETRY_MILLIS = 100;
  private static final long MAX_RETRY_MILLIS = 2_000;
  private static final long FAILURE_LOG_NANOS = TimeUnit.MINUTES.toNanos(1);

  final Target target;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final List<Runnable> onConnect = new ArrayList<>();

  /** Null until the first connection is made. */
  private volatile StatefulConnection<String, String> connection;

  private volatile RedisClusterAsyncCommands<String, String> commands;
  private volatile String whyNotConnected;

  /** Set once the callbacks given before (and while) connecting have run. */
  private boolean callbacksDone;

  private long lastFailureLog = System.nanoTime();
  private ScheduledExecutorService retries;
  private boolean closed;

  private Connection(Target target, ClientResources resources, AbstractRedisClient client) {
    this.target = target;
    this.resources = resources;
    this.client = client;
  }

  /**
   * The connection's commands: hashes, strings, scripts, publish, standalone or Cluster.
   *
   * @throws StoreUnavailableException if it has not connected yet
   */
  RedisClusterAsyncCommands<String, String> all() {
    RedisClusterAsyncCommands<String, String> c = commands;
    if (c == null) {
      throw new StoreUnavailableException(
          "not connected to Redis at "
              + target
              + " yet ("
              + whyNotConnected
              + "); retrying in the background");
    }
    return c;
  }

  /**
   * A new publish/subscribe connection (subscriptions need a connection of their own), which
   * reconnects and resubscribes by itself.
   */
  io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> pubSub() {
    all(); // not before the main connection is up
    if (client instanceof RedisClusterClient c) {
      return c.connectPubSub(StringCodec.UTF8);
    }
    return ((RedisClient) client).connectPubSub(StringCodec.UTF8, target.uris.get(0));
  }

  /**
   * Connects to {@code target}.
   *
   * @param inBackground if the first attempt fails, whether to keep trying in the background (else
   *     the failure is thrown)
   * @throws IllegalStateException if Redis refuses the connection, or ({@link Unreachable}) cannot
   *     be reached and {@code inBackground} is false
   */
  static Connection open(
      Target target, Duration timeout, Duration connectTimeout, boolean inBackground) {
    ClientResources resources =
        DefaultClientResources.builder()
            .reconnectDelay(
                Delay.exponential(
                    Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
            .build();
    SocketOptions socket =
        SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
    AbstractRedisClient client;
    if (target.cluster) {
      RedisClusterClient c = RedisClusterClient.create(resources, target.uris);
      ClusterClientOptions.Builder options =
          ClusterClientOptions.builder()
              .topologyRefreshOptions(
                  // Lettuce 7 enables every adaptive refresh trigger (MOVED, ASK, reconnects,
                  // unknown node, uncovered slot) by default; a periodic refresh catches the rest.
                  ClusterTopologyRefreshOptions.builder()
                      .enablePeriodicRefresh(Duration.ofSeconds(30))
                      .build());
      options
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .replayFilter(command -> true)
          .timeoutOptions(timeouts)
          .socketOptions(socket);
      c.setOptions(options.build());
      client = c;
    } else {
      RedisClient c = RedisClient.create(resources);
      c.setOptions(
          ClientOptions.builder()
              .autoReconnect(true)
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .replayFilter(command -> true)
              .timeoutOptions(timeouts)
              .socketOptions(socket)
              .build());
      client = c;
    }
    Connection conn = new Connection(target, resources, client);
    try {
      conn.connect();
    } catch (RuntimeException e) {
      if (!inBackground) {
        conn.close();
        if (refused(e) != null) {
          throw new IllegalStateException(
              "Redis at " + target + " refused the connection: " + refused(e) + hint(refused(e)),
              e);
        }
        throw new Unreachable("cannot connect to Redis at " + target + ": " + why(e), e);
      }
      conn.whyNotConnected = why(e);
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot connect to Redis at {0} ({1}); retrying in the"
              + " background, and until then every charge fails over as the policy says",
          target,
          conn.whyNotConnected);
      conn.retryLater(FIRST_RETRY_MILLIS);
    }
    return conn;
  }

  /**
   * What went wrong, causes included: Lettuce's own message ("Unable to connect to host:port") says
   * nothing of a wrong password or database, which only its causes name.
   */
  static String why(Throwable e) {
    StringBuilder s = new StringBuilder();
    for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank() && s.indexOf(m) < 0) {
        s.append(s.length() == 0 ? "" : ": ").append(m);
      }
    }
    return s.length() == 0 ? e.getClass().getSimpleName() : s.toString();
  }

  /** Redis's own error, if it answered the connection's handshake (AUTH, SELECT) with one. */
  private static String refused(Throwable e) {
    for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof io.lettuce.core.RedisCommandExecutionException && t.getMessage() != null) {
        return t.getMessage();
      }
    }
    return null;
  }

  private static String hint(String error) {
    if (error.startsWith("NOAUTH") || error.startsWith("WRONGPASS") || error.contains("password")) {
      return " (check the user and password in the URI: redis://USER:PASSWORD@HOST, special"
          + " characters percent-encoded or not)";
    }
    if (error.contains("DB index")) {
      return " (check the database number in the URI: redis://HOST:PORT/DB)";
    }
    return "";
  }

  private void connect() {
    StatefulConnection<String, String> c;
    RedisClusterAsyncCommands<String, String> async;
    if (client instanceof RedisClusterClient cluster) {
      StatefulRedisClusterConnection<String, String> cc = cluster.connect(Utf8Codec.INSTANCE);
      try {
        // Node connections open lazily, and while one is opening REJECT_COMMANDS refuses its
        // commands: open every node's now, so the first requests do not fail.
        for (RedisClusterNode node : cc.getPartitions()) {
          cc.getConnection(node.getUri().getHost(), node.getUri().getPort());
        }
      } catch (RuntimeException e) {
        cc.close();
        throw e;
      }
      c = cc;
      async = cc.async();
    } else {
      StatefulRedisConnection<String, String> sc =
          ((RedisClient) client).connect(Utf8Codec.INSTANCE, target.uris.get(0));
      c = sc;
      async = sc.async();
    }
    synchronized (this) {
      if (closed) {
        c.close();
        return;
      }
      connection = c;
      commands = async;
    }
    // Callbacks given while these run are queued behind them (callbacksDone is still false), so
    // every callback runs once, in the order given.
    while (true) {
      List<Runnable> callbacks;
      synchronized (this) {
        if (onConnect.isEmpty()) {
          callbacksDone = true;
          return;
        }
        callbacks = List.copyOf(onConnect);
        onConnect.clear();
      }
      for (Runnable r : callbacks) {
        runQuietly(r);
      }
    }
  }

  private synchronized void retryLater(long delayMillis) {
    if (closed) {
      return;
    }
    if (retries == null) {
      retries =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread t = new Thread(task, "sluice-redis-connect");
                t.setDaemon(true);
                return t;
              });
    }
    retries.schedule(
        () -> {
          try {
            connect();
            if (commands != null) {
              LOG.log(System.Logger.Level.INFO, "connected to Redis at {0}", target);
            }
            synchronized (this) {
              retries.shutdown(); // this task is its last: the thread ends with it
            }
          } catch (RuntimeException e) {
            whyNotConnected = why(e);
            long now = System.nanoTime();
            if (now - lastFailureLog >= FAILURE_LOG_NANOS) { // a wrong host or password never heals
              lastFailureLog = now;
              LOG.log(
                  System.Logger.Level.WARNING,
                  "still cannot connect to Redis at {0} ({1});" + " retrying every {2} ms",
                  target,
                  whyNotConnected,
                  MAX_RETRY_MILLIS);
            }
            retryLater(Math.min(MAX_RETRY_MILLIS, delayMillis * 2));
          }
        },
        delayMillis,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Runs {@code callback} once the connection is made: now (in the caller's thread) if it is up,
   * else on the thread that makes it, in the order they were given. A callback that throws is
   * logged.
   */
  void whenConnected(Runnable callback) {
    synchronized (this) {
      if (!callbacksDone) {
        onConnect.add(callback);
        return;
      }
    }
    runQuietly(callback);
  }

  private void runQuietly(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "after connecting to Redis at " + target + ": " + e.getMessage(),
          e);
    }
  }

  /** Whether the first connection has been made (it may be down again since). */
  boolean connected() {
    return commands != null;
  }

  /** Whether the connection is up right now (it reconnects by itself when it is not). */
  boolean isOpen() {
    StatefulConnection<String, String> c = connection;
    return c != null && c.isOpen();
  }

  @Override
  public void close() {
    StatefulConnection<String, String> c;
    synchronized (this) {
      closed = true;
      c = connection;
      if (retries != null) {
        retries.shutdownNow();
      }
    }
    if (c != null) {
      c.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  /**
   * Redis could not be reached at all (as opposed to refusing this client): starting it would help.
   * {@link RedisStoreProvider} reports it as a {@code StoreUnavailableException}.
   */
  static final class Unreachable extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
