package dev.sluice.server.gateway;

/**
 * What the main port speaks beyond clear-text HTTP/1.1, and how it trusts an {@code https://}
 * upstream.
 *
 * @param tls the main port's certificate, or {@code null} for clear text; with it, clients may
 *     choose HTTP/2 or HTTP/1.1 by ALPN
 * @param h2c on clear text, also HTTP/2 with prior knowledge (a connection opening with HTTP/2's
 *     preface); ignored with {@code tls}
 * @param upstreamTls how an {@code https://} upstream is verified
 */
public record Protocols(ServerTls tls, boolean h2c, UpstreamTls upstreamTls) {
  /** Clear-text HTTP/1.1; an {@code https://} upstream verified against the JDK's authorities. */
  public static Protocols plain() {
    return new Protocols(null, false, null);
  }

  /** {@code upstreamTls}, or the JDK's authorities when none was given. */
  UpstreamTls upstreamTrust() {
    return upstreamTls != null ? upstreamTls : UpstreamTls.systemTrust();
  }
}
