package dev.sluice.server.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate authority made by a test, in a directory of its own, with the {@code openssl}
 * command (as an operator would make one): EC P-256 keys, PKCS#8 PEM, certificates valid for two
 * days. It issues server certificates for {@code 127.0.0.1} and {@code localhost}, and gives the
 * JDK an {@link SSLContext} trusting it alone.
 */
final class TestCa {
  final Path dir;
  final Path cert;
  private final Path key;
  private int serial;

  /** A server certificate and its key, as files. */
  record Issued(Path cert, Path key) {}

  private TestCa(Path dir, String name) {
    this.dir = dir;
    this.cert = dir.resolve(name + "-ca.crt");
    this.key = dir.resolve(name + "-ca.key");
  }

  /** A new CA called {@code name}, its files in {@code dir}. */
  static TestCa create(Path dir, String name) {
    TestCa ca = new TestCa(dir, name);
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        ca.key.toString(),
        "-out",
        ca.cert.toString(),
        "-days",
        "2",
        "-subj",
        "/CN=" + name + " test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    return ca;
  }

  /** A server certificate for 127.0.0.1 and localhost, its subject's CN {@code name}. */
  Issued issue(String name) {
    return issue(name, "DNS:localhost,IP:127.0.0.1");
  }

  /** A server certificate for {@code subjectAltNames} (openssl's form), its CN {@code name}. */
  Issued issue(String name, String subjectAltNames) {
    Path k = dir.resolve(name + ".key");
    Path csr = dir.resolve(name + ".csr");
    Path c = dir.resolve(name + ".crt");
    Path ext = dir.resolve(name + ".ext");
    try {
      Files.writeString(
          ext,
          "subjectAltName="
              + subjectAltNames
              + "\n"
              + "extendedKeyUsage=serverAuth\n"
              + "keyUsage=critical,digitalSignature\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    openssl(
        dir,
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        k.toString(),
        "-out",
        csr.toString(),
        "-subj",
        "/CN=" + name);
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        csr.toString(),
        "-CA",
        cert.toString(),
        "-CAkey",
        key.toString(),
        "-set_serial",
        Integer.toString(++serial + 1000),
        "-days",
        "2",
        "-extfile",
        ext.toString(),
        "-out",
        c.toString());
    return new Issued(c, k);
  }

  /** A JDK TLS context trusting this CA only. */
  SSLContext clientContext() {
    try (InputStream in = Files.newInputStream(cert)) {
      X509Certificate ca =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void openssl(Path dir, String... args) {
    List<String> command = new java.util.ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
