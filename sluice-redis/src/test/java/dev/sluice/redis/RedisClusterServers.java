package dev.sluice.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A three-master Redis Cluster of {@link RedisServer}s, built without redis-cli: each node gets a
 * third of the 16384 slots ({@code CLUSTER ADDSLOTS}), the first meets the others ({@code CLUSTER
 * MEET}), and we wait for every node to report {@code cluster_state:ok}.
 */
final class RedisClusterServers implements AutoCloseable {
  private static RedisClusterServers shared;

  final List<RedisServer> nodes = new ArrayList<>();

  static synchronized RedisClusterServers shared() {
    if (shared == null) {
      shared = new RedisClusterServers();
      RedisClusterServers s = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(s::close));
    }
    return shared;
  }

  private RedisClusterServers() {
    for (int i = 0; i < 3; i++) {
      nodes.add(
          RedisServer.start(
              "--cluster-enabled",
              "yes",
              "--cluster-config-file",
              "nodes.conf",
              "--cluster-node-timeout",
              "5000"));
    }
    int per = 16384 / 3;
    for (int i = 0; i < 3; i++) {
      int from = i * per;
      int to = i == 2 ? 16383 : from + per - 1;
      int[] slots = IntStream.rangeClosed(from, to).toArray();
      on(i, r -> r.clusterAddSlots(slots));
    }
    for (int i = 1; i < 3; i++) {
      int port = nodes.get(i).port();
      on(0, r -> r.clusterMeet("127.0.0.1", port));
    }
    long deadline = System.nanoTime() + 30_000_000_000L;
    for (int i = 0; i < 3; i++) {
      int node = i;
      while (!on(node, r -> r.clusterInfo()).contains("cluster_state:ok")) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              "the test cluster did not reach cluster_state:ok in 30 s");
        }
        Thread.onSpinWait(); // each check is a round trip to the node: no tight loop
      }
    }
  }

  <T> T on(int node, java.util.function.Function<RedisCommands<String, String>, T> f) {
    RedisClient client = RedisClient.create(nodes.get(node).uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return f.apply(c.sync());
    } finally {
      client.shutdown();
    }
  }

  String uri() {
    return "redis-cluster://"
        + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
  }

  @Override
  public void close() {
    nodes.forEach(RedisServer::close);
  }
}
