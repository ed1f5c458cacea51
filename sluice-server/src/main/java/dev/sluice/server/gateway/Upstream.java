package dev.sluice.server.gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * Where allowed requests go: {@code http://HOST:PORT[/PREFIX]} or {@code https://...}. A prefix is
 * put before every forwarded request-target ({@code /api} + {@code /users} = {@code /api/users}).
 */
public final class Upstream {
  private final String text;
  private final boolean ssl;
  private final String host;
  private final int port;
  private final String prefix;
  private final Duration timeout;

  private Upstream(
      String text, boolean ssl, String host, int port, String prefix, Duration timeout) {
    this.text = text;
    this.ssl = ssl;
    this.host = host;
    this.port = port;
    this.prefix = prefix;
    this.timeout = timeout;
  }

  /**
   * Parses {@code url}.
   *
   * @param timeout how long the upstream may take to connect, and to send each next piece of its
   *     answer, before the gateway answers 504
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static Upstream parse(String url, Duration timeout) {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--upstream '" + url + "' is not a URL: " + e.getReason());
    }
    String scheme = u.getScheme();
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException(
          "--upstream '"
              + url
              + "' must start with http:// or https:// (e.g. http://127.0.0.1:9000)");
    }
    if (u.getHost() == null) {
      throw new IllegalArgumentException("--upstream '" + url + "' has no host");
    }
    if (u.getQuery() != null || u.getFragment() != null || u.getUserInfo() != null) {
      throw new IllegalArgumentException(
          "--upstream '" + url + "' may hold a scheme, host, port and path prefix, nothing else");
    }
    if (u.getPort() == 0 || u.getPort() > 65535) {
      // java.net.URI takes any digits as a port; 0 was quietly taken for "the default", 80.
      throw new IllegalArgumentException(
          "--upstream '"
              + url
              + "' has port "
              + u.getPort()
              + "; a port is a number from 1 to 65535");
    }
    boolean ssl = "https".equalsIgnoreCase(scheme);
    int port = u.getPort() > 0 ? u.getPort() : ssl ? 443 : 80;
    String prefix = u.getRawPath() == null ? "" : u.getRawPath();
    while (prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return new Upstream(url, ssl, u.getHost(), port, prefix, timeout);
  }

  /** How long the upstream may be silent. */
  Duration timeout() {
    return timeout;
  }

  boolean ssl() {
    return ssl;
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  /** The path put before every forwarded request-target, without a trailing slash; or "". */
  String prefix() {
    return prefix;
  }

  /** The {@code Host} header forwarded requests carry: the host, and the port unless default. */
  String authority() {
    return port == (ssl ? 443 : 80) ? host : host + ":" + port;
  }

  @Override
  public String toString() {
    return text;
  }
}
