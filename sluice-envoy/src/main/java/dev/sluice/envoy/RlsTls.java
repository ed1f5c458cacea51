package dev.sluice.envoy;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * TLS for the rate limit service's port: a certificate chain and its private key in PEM files, and
 * optionally the certificate authorities whose client certificates it requires (mutual TLS, as
 * Envoy's {@code transport_socket} on the rate limit cluster is often set up in a mesh).
 *
 * <p>Everything is read and checked when the server starts, so a mistake stops it with a message
 * that names the file and says what would be right, rather than failing every handshake later: the
 * files exist and are small, the certificate file holds at least one certificate and the first one
 * is valid today, the key is an unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}; PKCS#1 and SEC1
 * keys are named and the {@code openssl} command that converts them given), and the key belongs to
 * the certificate (a signature made with it verifies with the certificate's public key). Files are
 * capped at 1 MiB: a path to a device or a log file is refused, not read whole.
 *
 * <p>The handshake itself is grpc-netty-shaded's ({@link GrpcSslContexts}: HTTP/2 through ALPN, TLS
 * 1.2 and 1.3, BoringSSL when its native library loads, else the JDK's provider).
 */
public final class RlsTls {
  private static final int MAX_FILE_BYTES = 1 << 20;
  private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String PKCS8_END = "-----END PRIVATE KEY-----";

  private final SslContext context;
  private final boolean clientCertificates;

  private RlsTls(SslContext context, boolean clientCertificates) {
    this.context = context;
    this.clientCertificates = clientCertificates;
  }

  /**
   * Reads the server's certificate chain and key, and the client certificate authorities if {@code
   * clientCa} is not null.
   *
   * @throws IllegalArgumentException naming the file and the problem, if any file is missing,
   *     unreadable, not what it should be, or the key does not belong to the certificate
   */
  public static RlsTls load(Path cert, Path key, Path clientCa) {
    return load(cert, key, clientCa, Clock.systemUTC());
  }

  static RlsTls load(Path cert, Path key, Path clientCa, Clock clock) {
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(key, "key");
    List<X509Certificate> chain = certificates("--rls-tls-cert", cert);
    X509Certificate leaf = chain.get(0);
    try {
      leaf.checkValidity(Date.from(clock.instant()));
    } catch (CertificateExpiredException e) {
      throw new IllegalArgumentException(
          "--rls-tls-cert "
              + cert
              + ": the certificate expired on "
              + leaf.getNotAfter().toInstant()
              + "; renew it");
    } catch (CertificateNotYetValidException e) {
      throw new IllegalArgumentException(
          "--rls-tls-cert "
              + cert
              + ": the certificate is valid only from "
              + leaf.getNotBefore().toInstant());
    }
    PrivateKey privateKey = privateKey(key, leaf);
    List<X509Certificate> authorities =
        clientCa == null ? List.of() : certificates("--rls-tls-client-ca", clientCa);
    SslContextBuilder b =
        SslContextBuilder.forServer(privateKey, chain.toArray(new X509Certificate[0]));
    if (clientCa != null) {
      b.trustManager(authorities.toArray(new X509Certificate[0])).clientAuth(ClientAuth.REQUIRE);
    }
    try {
      return new RlsTls(GrpcSslContexts.configure(b).build(), clientCa != null);
    } catch (SSLException e) {
      throw new IllegalArgumentException(
          "--rls-tls-cert " + cert + " with --rls-tls-key " + key + ": " + e.getMessage(), e);
    }
  }

  /** The context the server's handshakes use. */
  SslContext context() {
    return context;
  }

  /** Whether clients must present a certificate of the configured authorities. */
  public boolean clientCertificates() {
    return clientCertificates;
  }

  private static byte[] read(String option, Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException(
            option + " " + file + ": " + (Files.exists(file) ? "not a file" : "no such file"));
      }
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(
            option + " " + file + ": larger than 1 MiB; give a PEM file");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(option + " " + file + ": no such file", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          option + " " + file + ": cannot read it (" + e.getMessage() + ")", e);
    }
  }

  private static List<X509Certificate> certificates(String option, Path file) {
    byte[] pem = read(option, file);
    List<X509Certificate> out = new ArrayList<>();
    try (InputStream in = new ByteArrayInputStream(pem)) {
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
    } catch (CertificateException | IOException e) {
      throw new IllegalArgumentException(
          option + " " + file + ": not a PEM certificate file (" + e.getMessage() + ")", e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          option + " " + file + ": no certificate in it; expected '-----BEGIN CERTIFICATE-----'");
    }
    return out;
  }

  private static PrivateKey privateKey(Path file, X509Certificate leaf) {
    String pem = new String(read("--rls-tls-key", file), StandardCharsets.US_ASCII);
    int begin = pem.indexOf(PKCS8_BEGIN);
    int end = pem.indexOf(PKCS8_END);
    if (begin < 0 || end < begin) {
      String convert =
          "; convert it with 'openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pk8.pem'";
      if (pem.contains("-----BEGIN RSA PRIVATE KEY-----")) {
        throw new IllegalArgumentException(
            "--rls-tls-key " + file + ": a PKCS#1 RSA key; give a PKCS#8 key" + convert);
      }
      if (pem.contains("-----BEGIN EC PRIVATE KEY-----")) {
        throw new IllegalArgumentException(
            "--rls-tls-key " + file + ": a SEC1 EC key; give a PKCS#8 key" + convert);
      }
      if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
        throw new IllegalArgumentException(
            "--rls-tls-key " + file + ": the key is encrypted; give it unencrypted" + convert);
      }
      throw new IllegalArgumentException(
          "--rls-tls-key " + file + ": no private key in it; expected '" + PKCS8_BEGIN + "'");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(pem.substring(begin + PKCS8_BEGIN.length(), end));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--rls-tls-key " + file + ": the key is not valid base64 (" + e.getMessage() + ")", e);
    }
    String algorithm = leaf.getPublicKey().getAlgorithm();
    PrivateKey key;
    try {
      key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "--rls-tls-key "
              + file
              + ": not a "
              + algorithm
              + " private key, as the certificate's key is ("
              + e.getMessage()
              + ")",
          e);
    }
    if (!belongs(key, leaf)) {
      throw new IllegalArgumentException(
          "--rls-tls-key "
              + file
              + ": the key does not belong to the certificate in --rls-tls-cert ("
              + leaf.getSubjectX500Principal().getName()
              + "); give the key it was issued for");
    }
    return key;
  }

  /** Whether a signature made with {@code key} verifies with the certificate's public key. */
  private static boolean belongs(PrivateKey key, X509Certificate cert) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
          default -> null;
        };
    if (algorithm == null) {
      return true; // nothing to sign with here; the handshake will tell
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(challenge);
      byte[] signature = s.sign();
      Signature v = Signature.getInstance(algorithm);
      v.initVerify(cert.getPublicKey());
      v.update(challenge);
      return v.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
