package dev.sluice.server.gateway;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and PKCS#8 private keys, and checks that a key belongs to a certificate,
 * with errors that name the file and say what would be right.
 *
 * <p>Parsed here rather than left to Netty's builder because its errors say little ("File does not
 * contain valid private key"), and because it does not check that the key matches the certificate:
 * a mismatched pair would start, and then fail every handshake. The match is proven the only way
 * that works for every key type: a signature made with the private key is verified with the
 * certificate's public key.
 */
final class PemFiles {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

  private PemFiles() {}

  /**
   * The certificates of {@code file}, the server's first and then its chain.
   *
   * @throws IllegalArgumentException naming {@code option} and the file, saying what is wrong
   */
  static List<X509Certificate> certificates(String option, Path file) {
    String text = read(option, file);
    List<X509Certificate> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      while (m.find()) {
        if (!m.group(1).equals("CERTIFICATE")) {
          continue;
        }
        byte[] der = decode(option, file, m.group(2));
        out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (CertificateException e) {
      throw problem(option, file, "holds a certificate that cannot be read: " + e.getMessage());
    }
    if (out.isEmpty()) {
      throw problem(
          option, file, "holds no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END ...)");
    }
    return out;
  }

  /**
   * The unencrypted PKCS#8 private key of {@code file} (RSA, EC or Ed25519).
   *
   * @throws IllegalArgumentException naming {@code option} and the file, saying what is wrong
   */
  static PrivateKey privateKey(String option, Path file) {
    String text = read(option, file);
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      switch (type) {
        case "PRIVATE KEY" -> {
          return pkcs8(option, file, decode(option, file, m.group(2)));
        }
        case "RSA PRIVATE KEY", "EC PRIVATE KEY" ->
            throw problem(
                option,
                file,
                "holds a "
                    + type
                    + " (the older PKCS#1/SEC1 form); convert it to PKCS#8 with: openssl pkcs8"
                    + " -topk8 -nocrypt -in OLD -out NEW");
        case "ENCRYPTED PRIVATE KEY" ->
            throw problem(
                option,
                file,
                "holds an encrypted key; the gateway reads unencrypted PKCS#8 keys (decrypt it"
                    + " with: openssl pkcs8 -in OLD -out NEW, and keep NEW readable by the gateway"
                    + " only)");
        default -> {
          // a certificate in the same file: skipped
        }
      }
    }
    throw problem(
        option, file, "holds no PEM private key (-----BEGIN PRIVATE KEY----- ... -----END ...)");
  }

  /**
   * Checks that {@code key} is the private key of {@code certificate}.
   *
   * @throws IllegalArgumentException if it is not
   */
  static void checkPair(Path certFile, X509Certificate certificate, Path keyFile, PrivateKey key) {
    PublicKey pub = certificate.getPublicKey();
    if (!pub.getAlgorithm().equals(key.getAlgorithm())) {
      throw mismatch(certFile, keyFile, pub.getAlgorithm() + " certificate, " + key.getAlgorithm());
    }
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA: the key names its signature
        };
    byte[] probe =
        "sluice: does this key belong to this certificate?".getBytes(StandardCharsets.UTF_8);
    try {
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(probe);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(pub);
      verify.update(probe);
      if (!verify.verify(signature)) {
        throw mismatch(certFile, keyFile, "a different");
      }
    } catch (GeneralSecurityException e) {
      throw mismatch(certFile, keyFile, "an unusable (" + e.getMessage() + ")");
    }
  }

  private static IllegalArgumentException mismatch(Path cert, Path key, String what) {
    return new IllegalArgumentException(
        "--tls-key "
            + key
            + " is not the private key of the certificate in --tls-cert "
            + cert
            + " ("
            + what
            + " key); give the key the certificate was issued for");
  }

  private static PrivateKey pkcs8(String option, Path file, byte[] der) {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
        // not of this algorithm: the next is tried
      }
    }
    throw problem(option, file, "holds a private key that is not RSA, EC or Ed25519 PKCS#8");
  }

  private static byte[] decode(String option, Path file, String base64) {
    try {
      return Base64.getMimeDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw problem(option, file, "holds a PEM block that is not valid base64");
    }
  }

  private static String read(String option, Path file) {
    try {
      if (Files.size(file) > 1024 * 1024) {
        throw problem(option, file, "is over 1 MiB: not a PEM certificate or key");
      }
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      throw problem(option, file, "does not exist");
    } catch (IOException | java.io.UncheckedIOException e) {
      throw problem(option, file, "cannot be read: " + e.getMessage());
    }
  }

  private static IllegalArgumentException problem(String option, Path file, String what) {
    return new IllegalArgumentException(option + " " + file + " " + what);
  }
}
