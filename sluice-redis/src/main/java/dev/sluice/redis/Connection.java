package dev.sluice.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One shared Lettuce connection (standalone, Sentinel-discovered master, or Cluster) and the
 * client behind it, set up to fail fast and heal by itself.
 *
 * <ul>
 *   <li>Every command times out after the store's timeout ({@link TimeoutOptions}).
 *   <li>While disconnected, commands are rejected at once ({@code REJECT_COMMANDS}) instead of
 *       being buffered until the connection returns; the connection reconnects in the background
 *       (10 ms, doubling up to 1 s between attempts), so the store recovers without a restart.
 *   <li>Commands written to a connection that then broke are never replayed on the new one
 *       (a replay filter that drops them all): a charge that may have reached Redis is not sent
 *       twice. Its caller has already been answered by the timeout.
 * </ul>
 * One connection serves every caller: Lettuce pipelines concurrent commands on it, which is what
 * lets throughput be bounded by Redis rather than by round trips.
 */
final class Connection implements AutoCloseable {
  final Target target;
  final RedisScriptingAsyncCommands<String, String> commands;
  /** The same connection's other commands (hashes, strings, publish), standalone or Cluster. */
  final io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> all;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final StatefulConnection<String, String> connection;

  private Connection(Target target, ClientResources resources, AbstractRedisClient client,
      StatefulConnection<String, String> connection,
      io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> commands) {
    this.target = target;
    this.resources = resources;
    this.client = client;
    this.connection = connection;
    this.commands = commands;
    this.all = commands;
  }

  /**
   * A new publish/subscribe connection (subscriptions need a connection of their own), which
   * reconnects and resubscribes by itself.
   */
  io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> pubSub() {
    if (client instanceof RedisClusterClient c) {
      return c.connectPubSub(StringCodec.UTF8);
    }
    return ((RedisClient) client).connectPubSub(StringCodec.UTF8, target.uris.get(0));
  }

  static Connection open(Target target, Duration timeout, Duration connectTimeout) {
    ClientResources resources = DefaultClientResources.builder()
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
        .build();
    SocketOptions socket = SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
    try {
      if (target.cluster) {
        RedisClusterClient client = RedisClusterClient.create(resources, target.uris);
        ClusterClientOptions.Builder options = ClusterClientOptions.builder()
            .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                .enableAllAdaptiveRefreshTriggers()
                .enablePeriodicRefresh(Duration.ofSeconds(30))
                .build());
        options.autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .replayFilter(command -> true)
            .timeoutOptions(timeouts)
            .socketOptions(socket);
        client.setOptions(options.build());
        try {
          StatefulRedisClusterConnection<String, String> c = client.connect(StringCodec.UTF8);
          // Node connections open lazily, and while one is opening REJECT_COMMANDS refuses its
          // commands: open every node's now, so the first requests do not fail.
          for (RedisClusterNode node : c.getPartitions()) {
            c.getConnection(node.getUri().getHost(), node.getUri().getPort());
          }
          return new Connection(target, resources, client, c, c.async());
        } catch (RuntimeException e) {
          client.shutdown();
          throw e;
        }
      }
      RedisClient client = RedisClient.create(resources);
      client.setOptions(ClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .replayFilter(command -> true)
          .timeoutOptions(timeouts)
          .socketOptions(socket)
          .build());
      try {
        StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8, target.uris.get(0));
        return new Connection(target, resources, client, c, c.async());
      } catch (RuntimeException e) {
        client.shutdown();
        throw e;
      }
    } catch (RuntimeException e) {
      resources.shutdown();
      throw new IllegalStateException("cannot connect to Redis at " + target + ": " + e.getMessage(), e);
    }
  }

  /** Whether the connection is up right now (it reconnects by itself when it is not). */
  boolean isOpen() {
    return connection.isOpen();
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
