package dev.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate authority made for a test with the JDK's own {@code keytool}, run as a process (no
 * certificate library is a dependency): EC P-256 keys, certificates signed by the authority, and
 * each written as PEM (the certificate with {@code keytool -rfc}, the key as PKCS#8 from the
 * PKCS#12 store keytool kept it in).
 */
public final class TestCa {
  private static final String PASS = "changeit";

  private final Path dir;
  private final String name;
  public final Path certificate;

  /** A new authority {@code name} under {@code dir}. */
  public TestCa(Path dir, String name) throws Exception {
    this.dir = dir;
    this.name = name;
    Path store = dir.resolve(name + ".p12");
    keytool(
        "-genkeypair",
        "-alias",
        name,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name,
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        store.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        PASS);
    certificate = dir.resolve(name + ".pem");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        name,
        "-keystore",
        store.toString(),
        "-storepass",
        PASS,
        "-file",
        certificate.toString());
  }

  /** A certificate and key signed by this authority. */
  public record Issued(Path certificate, Path key) {}

  /** Issues a certificate for {@code cn}, valid for two days for 127.0.0.1 and localhost. */
  public Issued issue(String cn) throws Exception {
    return issue(cn, "ip:127.0.0.1,dns:localhost");
  }

  /**
   * Issues a certificate for {@code cn} valid for {@code subjectAltNames}, in keytool's form
   * ({@code dns:elsewhere.example,ip:127.0.0.1}).
   */
  public Issued issue(String cn, String subjectAltNames) throws Exception {
    Path store = dir.resolve(name + "-" + cn + ".p12");
    keytool(
        "-genkeypair",
        "-alias",
        cn,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + cn,
        "-keystore",
        store.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        PASS);
    Path csr = dir.resolve(name + "-" + cn + ".csr");
    keytool(
        "-certreq",
        "-alias",
        cn,
        "-keystore",
        store.toString(),
        "-storepass",
        PASS,
        "-file",
        csr.toString());
    Path cert = dir.resolve(name + "-" + cn + ".crt");
    keytool(
        "-gencert",
        "-rfc",
        "-alias",
        name,
        "-keystore",
        dir.resolve(name + ".p12").toString(),
        "-storepass",
        PASS,
        "-infile",
        csr.toString(),
        "-outfile",
        cert.toString(),
        "-ext",
        "san=" + subjectAltNames,
        "-validity",
        "2");
    Path key = dir.resolve(name + "-" + cn + ".key");
    Files.writeString(key, pkcs8(store, cn), StandardCharsets.US_ASCII);
    return new Issued(cert, key);
  }

  /** A JDK TLS context that trusts this authority only. */
  public SSLContext clientContext() {
    try (InputStream in = Files.newInputStream(certificate)) {
      X509Certificate ca =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      trusted.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("a TLS context trusting " + certificate, e);
    }
  }

  private static String pkcs8(Path store, String alias)
      throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASS.toCharArray());
    }
    Key key = ks.getKey(alias, PASS.toCharArray());
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + ": " + output);
    }
  }
}
