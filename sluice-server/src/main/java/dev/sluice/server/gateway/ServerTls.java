package dev.sluice.server.gateway;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * The main port's certificate and key, and the TLS context made of them: TLS 1.3 and 1.2 only, the
 * cipher suites HTTP/2 allows (RFC 9113 section 9.2.2: ECDHE with AEAD, the same modern list as
 * Mozilla's "intermediate"), and ALPN offering {@code h2} then {@code http/1.1}.
 *
 * <p>The context is replaced, never edited: {@link #prepare} reads the files again and builds a new
 * one (or fails, saying why), and the {@link Reload} it returns puts it in force; connections
 * already open keep the context they were accepted with. So a renewed certificate needs no restart,
 * and a broken renewal keeps the old one serving.
 *
 * <p>The TLS engine is OpenSSL (BoringSSL) when netty-tcnative is on the class path, the JDK's
 * otherwise; both take the same PEM files.
 */
public final class ServerTls {
  private final Path certFile;
  private final Path keyFile;
  private volatile SslContext context;

  /** A context read and checked, not yet in force. */
  public interface Reload {
    /** Puts the new context in force for connections accepted from now on. */
    void commit();
  }

  private ServerTls(Path certFile, Path keyFile) {
    this.certFile = certFile;
    this.keyFile = keyFile;
  }

  /**
   * Reads {@code certFile} (PEM: the server's certificate, then its chain) and {@code keyFile} (an
   * unencrypted PKCS#8 PEM key), and checks that they belong together.
   *
   * @throws IllegalArgumentException naming the file and saying what is wrong with it
   */
  public static ServerTls load(Path certFile, Path keyFile) {
    ServerTls tls =
        new ServerTls(
            Objects.requireNonNull(certFile, "certFile"),
            Objects.requireNonNull(keyFile, "keyFile"));
    tls.prepare().commit();
    return tls;
  }

  /**
   * Reads the files again and builds a context of them, not yet in force.
   *
   * @throws IllegalArgumentException naming the file and saying what is wrong (the context in force
   *     stays)
   */
  public Reload prepare() {
    List<X509Certificate> chain = PemFiles.certificates("--tls-cert", certFile);
    PrivateKey key = PemFiles.privateKey("--tls-key", keyFile);
    PemFiles.checkPair(certFile, chain.get(0), keyFile, key);
    SslContext next;
    try {
      SslProvider provider = SslContext.defaultServerProvider();
      next =
          SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
              .sslProvider(provider)
              .protocols("TLSv1.3", "TLSv1.2")
              .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
              .applicationProtocolConfig(
                  new ApplicationProtocolConfig(
                      ApplicationProtocolConfig.Protocol.ALPN,
                      // Both engines Netty supports can only choose among what they offer.
                      ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                      ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                      ApplicationProtocolNames.HTTP_2,
                      ApplicationProtocolNames.HTTP_1_1))
              .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--tls-cert "
              + certFile
              + " and --tls-key "
              + keyFile
              + " cannot make a TLS context: "
              + e.getMessage(),
          e);
    }
    return () -> context = next;
  }

  /** A TLS handler for a new client connection, with the context in force now. */
  SslHandler newHandler(ByteBufAllocator alloc) {
    return context.newHandler(alloc);
  }

  /** The certificate file, as given. */
  public Path certFile() {
    return certFile;
  }

  /** Which TLS engine serves: "OpenSSL" or "JDK". */
  public String engine() {
    return context.isServer() && SslContext.defaultServerProvider() != SslProvider.JDK
        ? "OpenSSL"
        : "JDK";
  }
}
