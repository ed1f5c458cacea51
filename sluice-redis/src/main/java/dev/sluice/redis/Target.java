package dev.sluice.redis;

import dev.sluice.core.store.Stores;
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
 *   <li>{@code redis-cluster://[[user]:password@]HOST[:PORT][,HOST[:PORT]...]} and {@code
 *       rediss-cluster://...}: a Redis Cluster, discovered from any of the seed nodes.
 * </ul>
 *
 * Messages never show a password: {@link #describe} masks it.
 */
final class Target {
  /** Every scheme {@link #parse} takes: what {@link RedisStoreProvider} claims. */
  static final java.util.Set<String> SCHEMES =
      java.util.Set.of(
          "redis",
          "rediss",
          "redis-sentinel",
          "rediss-sentinel",
          "redis-cluster",
          "rediss-cluster");

  final boolean cluster;
  final List<RedisURI> uris;
  final String description;

  /** The user the URI names, or null. */
  private final String user;

  /** Whether the URI carries a password (a non-empty one). */
  private final boolean password;

  private Target(
      boolean cluster, List<RedisURI> uris, String description, String user, boolean password) {
    this.cluster = cluster;
    this.uris = uris;
    this.description = description;
    this.user = user;
    this.password = password;
  }

  /**
   * This target, authenticating with {@code password} (as the URI's user, if it names one: {@code
   * redis://app:@host} with the password given apart is Redis 6's ACL user {@code app}).
   *
   * @throws IllegalArgumentException if the URI carries a password itself
   */
  Target withPassword(String password) {
    if (this.password) {
      throw bad(
          description,
          "it carries a password, and another was given apart from the URI; give it in one place"
              + " only (keep the URI free of it: it is shown in messages, masked, and in process"
              + " lists, not masked)");
    }
    for (RedisURI uri : uris) {
      if (user != null) {
        uri.setAuthentication(user, password);
      } else {
        uri.setAuthentication(password);
      }
    }
    return this;
  }

  /** Lettuce's query parameters, lower-cased; nothing else is accepted after '?'. */
  private static final java.util.Set<String> OPTIONS =
      java.util.Set.of(
          "timeout",
          "database",
          "db",
          "sentinelmasterid",
          "clientname",
          "libraryname",
          "libraryversion",
          "verifypeer");

  static Target parse(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException(
          "the Redis store URI is empty; expected e.g. redis://localhost:6379");
    }
    String shown = describe(uri);
    int sep = uri.indexOf("://");
    if (sep < 0) {
      throw bad(
          shown,
          "it has no scheme; expected redis://, rediss://, redis-sentinel:// or redis-cluster://");
    }
    String scheme = uri.substring(0, sep).toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "redis", "rediss", "redis-sentinel", "rediss-sentinel" -> {
        boolean sentinel = scheme.endsWith("sentinel");
        // Checked here rather than left to Lettuce, which reads a bad port as part of the host,
        // a port 0 as 6379, and ignores options it does not know.
        Authority authority = Authority.of(uri, sep + 3, shown);
        List<String[]> nodes = nodes(authority.hosts, shown);
        if (!sentinel && nodes.size() > 1) {
          throw bad(
              shown,
              "it names several hosts; for several nodes use redis-cluster:// or "
                  + "redis-sentinel://");
        }
        String rest = uri.substring(authority.end);
        int hash = rest.indexOf('#');
        String fragment = hash < 0 ? null : rest.substring(hash + 1);
        rest = hash < 0 ? rest : rest.substring(0, hash);
        int q = rest.indexOf('?');
        String path = q < 0 ? rest : rest.substring(0, q);
        if (!path.isEmpty() && !path.equals("/") && !path.matches("/[0-9]{1,9}")) {
          throw bad(
              shown,
              "'"
                  + path.substring(1)
                  + "' is not a database number (the path is /DB,"
                  + " e.g. /0)");
        }
        if (q >= 0) {
          options(rest.substring(q + 1), shown, sentinel);
        }
        if (!sentinel && fragment != null) {
          throw bad(shown, "only a Sentinel URI names a master after '#'");
        }
        if (sentinel
            && isBlank(fragment)
            && !rest.toLowerCase(Locale.ROOT).contains("sentinelmasterid=")) {
          throw bad(
              shown,
              "a Sentinel URI must name the master after '#', e.g. "
                  + "redis-sentinel://host:26379#mymaster");
        }
        RedisURI parsed;
        try {
          // Lettuce reads only the percent-encoded form of a password with '@', '/', '#'... in it.
          parsed =
              RedisURI.create(
                  scheme
                      + "://"
                      + authority.encodedUserInfo()
                      + uri.substring(authority.hostsStart));
        } catch (RuntimeException e) {
          throw bad(shown, authority.mask(String.valueOf(e.getMessage())));
        }
        if (sentinel ? parsed.getSentinels().isEmpty() : isBlank(parsed.getHost())) {
          throw bad(shown, "it names no host");
        }
        if (sentinel && isBlank(parsed.getSentinelMasterId())) {
          throw bad(
              shown,
              "a Sentinel URI must name the master after '#', e.g. "
                  + "redis-sentinel://host:26379#mymaster");
        }
        return new Target(
            false, List.of(parsed), shown, authority.user, !isBlank(authority.password));
      }
      case "redis-cluster", "rediss-cluster" -> {
        Authority authority = Authority.of(uri, sep + 3, shown);
        return new Target(
            true,
            clusterSeeds(uri, shown, scheme.startsWith("rediss"), sep + 3),
            shown,
            authority.user,
            authority.password != null && !authority.password.isEmpty());
      }
      default ->
          throw bad(
              shown,
              "unknown scheme '"
                  + scheme
                  + "'; expected redis, rediss, redis-sentinel or redis-cluster");
    }
  }

  /** The part of a URI after {@code ://}: user info, then hosts up to '/', '?' or '#'. */
  private record Authority(
      String user, String password, String rawUserInfo, int hostsStart, String hosts, int end) {
    static Authority of(String uri, int from, String shown) {
      int at = uri.lastIndexOf('@');
      String user = null;
      String password = null;
      String raw = null;
      int hostsStart = from;
      if (at >= from) {
        raw = uri.substring(from, at);
        int colon = raw.indexOf(':');
        user = decode(colon < 0 ? "" : raw.substring(0, colon));
        password = decode(colon < 0 ? raw : raw.substring(colon + 1));
        if (user.isEmpty()) {
          user = null;
        }
        hostsStart = at + 1;
      }
      int end = hostsStart;
      while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
        end++;
      }
      return new Authority(user, password, raw, hostsStart, uri.substring(hostsStart, end), end);
    }

    /** The user info, percent-encoded as a URI must have it, with its '@'; or "". */
    String encodedUserInfo() {
      if (password == null) {
        return "";
      }
      return (user == null ? "" : encode(user)) + ":" + encode(password) + "@";
    }

    /** {@code message} with the password, raw or encoded, replaced by {@code ***}. */
    String mask(String message) {
      if (password == null || password.isEmpty()) {
        return message;
      }
      return message
          .replace(rawUserInfo, "***")
          .replace(encode(password), "***")
          .replace(password, "***");
    }
  }

  /** Percent-decodes {@code s}; a '%' not followed by two hex digits stands for itself. */
  private static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%'
          && i + 2 < s.length()
          && Character.digit(s.charAt(i + 1), 16) >= 0
          && Character.digit(s.charAt(i + 2), 16) >= 0) {
        bytes.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Percent-encodes every character of {@code s} but letters, digits and {@code -._~}. */
  private static String encode(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-._~".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return out.toString();
  }

  /** {@code HOST[:PORT],...} as {host, port} pairs, each checked. */
  private static List<String[]> nodes(String hosts, String shown) {
    List<String[]> out = new ArrayList<>();
    for (String node : hosts.split(",", -1)) {
      String host = node.trim();
      String port = Integer.toString(RedisURI.DEFAULT_REDIS_PORT);
      if (host.startsWith("[")) { // an IPv6 address: [::1]:6379
        int close = host.indexOf(']');
        if (close < 0) {
          throw bad(shown, "'" + host + "' opens '[' without closing it");
        }
        String after = host.substring(close + 1);
        host = host.substring(1, close);
        if (!after.isEmpty()) {
          if (!after.startsWith(":")) {
            throw bad(shown, "'" + after + "' after an IPv6 address is not ':PORT'");
          }
          port = after.substring(1);
        }
      } else {
        int colon = host.indexOf(':');
        if (colon >= 0) {
          if (host.indexOf(':', colon + 1) >= 0) {
            throw bad(
                shown,
                "'"
                    + host
                    + "' has several ':'; an IPv6 address goes in brackets, e.g. [::1]:6379");
          }
          port = host.substring(colon + 1);
          host = host.substring(0, colon);
        }
      }
      if (host.isEmpty()) {
        throw bad(
            shown,
            hosts.contains(",")
                ? "a node has no host; expected HOST:PORT,HOST:PORT"
                : "it names no host");
      }
      if (!port.matches("[0-9]{1,5}")) {
        throw bad(shown, "'" + port + "' is not a port number");
      }
      int p = Integer.parseInt(port);
      if (p < 1 || p > 65_535) {
        throw bad(shown, "port " + p + " is out of range (1 to 65535)");
      }
      out.add(new String[] {host, port});
    }
    return out;
  }

  /** Checks the query: Lettuce's options only, with values Lettuce reads. */
  private static void options(String query, String shown, boolean sentinel) {
    if (query.isEmpty()) {
      return;
    }
    for (String option : query.split("&", -1)) {
      int eq = option.indexOf('=');
      String name = (eq < 0 ? option : option.substring(0, eq)).toLowerCase(Locale.ROOT);
      String value = eq < 0 ? "" : option.substring(eq + 1);
      if (!OPTIONS.contains(name) || (!sentinel && name.equals("sentinelmasterid"))) {
        throw bad(
            shown,
            "unknown option '"
                + (eq < 0 ? option : option.substring(0, eq))
                + "'; the options are timeout, database, clientName, libraryName, libraryVersion,"
                + " verifyPeer"
                + (sentinel ? " and sentinelMasterId" : ""));
      }
      if (value.isEmpty()) {
        throw bad(shown, "option '" + name + "' has no value");
      }
      if (name.equals("timeout") && !value.matches("[0-9]{1,18}(d|h|m|s|ms|us|ns)?")) {
        throw bad(shown, "timeout '" + value + "' is not a duration (e.g. 500ms, 2s)");
      }
      if ((name.equals("database") || name.equals("db")) && !value.matches("[0-9]{1,9}")) {
        throw bad(shown, "'" + value + "' is not a database number");
      }
    }
  }

  private static List<RedisURI> clusterSeeds(String uri, String shown, boolean tls, int from) {
    Authority authority = Authority.of(uri, from, shown);
    String rest = uri.substring(authority.end);
    if (rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
      throw bad(shown, "a Redis Cluster URI takes no options ('?...') and no master ('#...')");
    }
    if (!rest.isEmpty() && !rest.equals("/") && !rest.equals("/0")) {
      throw bad(
          shown, "a Redis Cluster has only database 0, so the URI cannot name '" + rest + "'");
    }
    List<RedisURI> seeds = new ArrayList<>();
    for (String[] node : nodes(authority.hosts, shown)) {
      RedisURI.Builder b =
          RedisURI.builder().withHost(node[0]).withPort(Integer.parseInt(node[1])).withSsl(tls);
      if (authority.password != null) {
        if (authority.user != null) {
          b.withAuthentication(authority.user, authority.password);
        } else {
          b.withPassword(authority.password.toCharArray());
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
    return Stores.masked(uri);
  }

  @Override
  public String toString() {
    return description;
  }
}
