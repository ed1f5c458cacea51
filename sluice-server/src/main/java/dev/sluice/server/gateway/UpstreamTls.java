package dev.sluice.server.gateway;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * How the gateway trusts an {@code https://} upstream: the JDK's trusted authorities, or only those
 * of a PEM file ({@code --upstream-ca}, for an upstream with a certificate of a private CA). Either
 * way the upstream's certificate is verified and must name the upstream's host ({@link
 * UpstreamPool} sets the endpoint identification); there is no switch to turn that off.
 */
public final class UpstreamTls {
  private final Path caFile;
  private final SslContext context;

  private UpstreamTls(Path caFile, SslContext context) {
    this.caFile = caFile;
    this.context = context;
  }

  /** Trusting the JDK's authorities. */
  public static UpstreamTls systemTrust() {
    try {
      return new UpstreamTls(null, SslContextBuilder.forClient().build());
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS to the upstream: " + e.getMessage(), e);
    }
  }

  /**
   * Trusting only the certificates of {@code caFile} (PEM).
   *
   * @throws IllegalArgumentException naming the file and saying what is wrong with it
   */
  public static UpstreamTls trusting(Path caFile) {
    List<X509Certificate> cas = PemFiles.certificates("--upstream-ca", caFile);
    try {
      return new UpstreamTls(
          caFile,
          SslContextBuilder.forClient().trustManager(cas.toArray(X509Certificate[]::new)).build());
    } catch (SSLException e) {
      throw new IllegalArgumentException(
          "--upstream-ca " + caFile + " cannot be trusted: " + e.getMessage(), e);
    }
  }

  SslContext context() {
    return context;
  }

  @Override
  public String toString() {
    return caFile == null ? "the JDK's trusted authorities" : "the authorities in " + caFile;
  }
}
