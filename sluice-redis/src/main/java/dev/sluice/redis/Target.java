package dev.sluice.redis;

import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a {@link RedisStore} connects: a store URI parsed into Lettuce's {@link RedisURI}s.
 *
 * <ul>
 *   <li>{@code redis://[[user]:password@]HOST[:PORT][/DB]} and {@code rediss://...} (TLS): one
 *       server (Lettuce's syntax, so its query parameters work too);
 *   <li>{@code redis-sentinel://[[user]:password@]HOST[:PORT][,HOST[:PORT]...][/DB]#MASTER}: the
 *       master that the Sentinels name (Lettuce's syntax);
 *   <li>{@code redis-cluster://[[user]:password@]HOST[:PORT][,HOST[:PORT]...]} and
 *       {@code rediss-cluster://...}: a Redis Cluster, discovered from any of the seed nodes.
 * </ul>
 * Messages never show a password: {@link #describe} masks it.
 */
final class Target {
  final boolean cluster;
  final List<RedisURI> uris;
  final String description;

  private Target(boolean cluster, List<RedisURI> uris, String description) {
    this.cluster = cluster;
    this.uris = uris;
    this.description = description;
  }

  static Target parse(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException("the Redis store URI is empty; expected e.g. redis://localhost:6379");
    }
    String shown = describe(uri);
    int sep = uri.indexOf("://");
    if (sep < 0) {
      throw bad(shown, "it has no scheme; expected redis://, rediss://, redis-sentinel:// or redis-cluster://");
    }
    String scheme = uri.substring(0, sep).toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "redis", "rediss", "redis-sentinel", "rediss-sentinel" -> {
        boolean sentinel = scheme.endsWith("sentinel");
        if (sentinel && uri.indexOf('#') < 0) {
          throw bad(shown, "a Sentinel URI must name the master after '#', e.g. "
              + "redis-sentinel://host:26379#mymaster");
        }
        RedisURI parsed;
        try {
          parsed = RedisURI.create(uri);
        } catch (RuntimeException e) {
          throw bad(shown, e.getMessage());
        }
        if (sentinel ? parsed.getSentinels().isEmpty() : isBlank(parsed.getHost())) {
          throw bad(shown, "it names no host");
        }
        if (sentinel && isBlank(parsed.getSentinelMasterId())) {
          throw bad(shown, "a Sentinel URI must name the master after '#', e.g. "
              + "redis-sentinel://host:26379#mymaster");
        }
        return new Target(false, List.of(parsed), shown);
      }
      case "redis-cluster", "rediss-cluster" -> {
        return new Target(true, clusterSeeds(uri, shown, scheme.startsWith("rediss"), sep + 3), shown);
      }
      default -> throw bad(shown, "unknown scheme '" + scheme
          + "'; expected redis, rediss, redis-sentinel or redis-cluster");
    }
  }

  private static List<RedisURI> clusterSeeds(String uri, String shown, boolean tls, int from) {
    String rest = uri.substring(from);
    String user = null;
    String password = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String info = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = info.indexOf(':');
      if (colon < 0) {
        password = info;
      } else {
        user = info.substring(0, colon).isEmpty() ? null : info.substring(0, colon);
        password = info.substring(colon + 1);
      }
    }
    int end = rest.indexOf('/');
    if (end >= 0) {
      String path = rest.substring(end);
      if (!path.equals("/") && !path.equals("/0")) {
        throw bad(shown, "a Redis Cluster has only database 0, so the URI cannot name '" + path + "'");
      }
      rest = rest.substring(0, end);
    }
    List<RedisURI> seeds = new ArrayList<>();
    for (String node : rest.split(",", -1)) {
      String host = node.trim();
      int port = RedisURI.DEFAULT_REDIS_PORT;
      int colon = host.lastIndexOf(':');
      if (colon >= 0 && !host.endsWith("]")) {
        String p = host.substring(colon + 1);
        host = host.substring(0, colon);
        try {
          port = Integer.parseInt(p);
        } catch (NumberFormatException e) {
          throw bad(shown, "'" + p + "' is not a port number");
        }
        if (port < 1 || port > 65_535) {
          throw bad(shown, "port " + port + " is out of range (1 to 65535)");
        }
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if (host.isEmpty()) {
        throw bad(shown, "a seed node has no host; expected HOST:PORT,HOST:PORT");
      }
      RedisURI.Builder b = RedisURI.builder().withHost(host).withPort(port).withSsl(tls);
      if (password != null) {
        if (user != null) {
          b.withAuthentication(user, password);
        } else {
          b.withPassword(password.toCharArray());
        }
      }
      seeds.add(b.build());
    }
    return List.copyOf(seeds);
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static IllegalArgumentException bad(String shown, String why) {
    return new IllegalArgumentException("invalid Redis store URI '" + shown + "': " + why);
  }

  /** {@code uri} with any password replaced by {@code ***}. */
  static String describe(String uri) {
    int sep = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    if (sep < 0 || at < sep) {
      return uri;
    }
    String info = uri.substring(sep + 3, at);
    int colon = info.indexOf(':');
    String masked = colon < 0 ? "***" : info.substring(0, colon) + ":***";
    return uri.substring(0, sep + 3) + masked + uri.substring(at);
  }

  @Override
  public String toString() {
    return description;
  }
}
