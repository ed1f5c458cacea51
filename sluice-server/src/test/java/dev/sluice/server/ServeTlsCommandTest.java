package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sluice serve} refuses TLS options it cannot serve with (a missing half, a key that is not
 * the certificate's, a file that is not PEM) with a one-line reason and exit code 2, before it
 * listens.
 */
class ServeTlsCommandTest {
  @TempDir Path dir;

  record Run(int exitCode, String out, String err) {}

  private Run run(String... args) throws IOException {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: ip, limits: 5/minute}\n");
    List<String> all = new ArrayList<>(List.of("serve", "--config", policy.toString()));
    all.addAll(List.of("--upstream", "http://127.0.0.1:9", "--port", "0", "--admin-port", "0"));
    all.addAll(List.of(args));
    all.addAll(List.of("--state-dir", dir.resolve("state").toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return new Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
  }

  /** A self-signed certificate and its key, made with openssl, named {@code name}. */
  private Path[] selfSigned(String name) throws Exception {
    Path key = dir.resolve(name + ".key");
    Path cert = dir.resolve(name + ".crt");
    Process p =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "1",
                "-subj",
                "/CN=" + name)
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as(output).isTrue();
    return new Path[] {cert, key};
  }

  @Test
  void tlsCertWithoutKey_exits2_sayingWhatIsMissing() throws Exception {
    Path[] a = selfSigned("a");

    Run r = run("--tls-cert", a[0].toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--tls-cert needs --tls-key, its private key");
  }

  @Test
  void keyOfAnotherCertificate_exits2_namingBothFiles() throws Exception {
    Path[] a = selfSigned("a");
    Path[] b = selfSigned("b");

    Run r = run("--tls-cert", a[0].toString(), "--tls-key", b[1].toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "--tls-key "
                + b[1]
                + " is not the private key of the certificate in --tls-cert "
                + a[0]);
  }

  @Test
  void missingCertificateFile_exits2() throws Exception {
    Path[] a = selfSigned("a");
    Path missing = dir.resolve("nope.crt");

    Run r = run("--tls-cert", missing.toString(), "--tls-key", a[1].toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--tls-cert " + missing + " does not exist");
  }

  @Test
  void h2cWithTls_exits2_sayingAlpnOffersHttp2() throws Exception {
    Path[] a = selfSigned("a");

    Run r = run("--tls-cert", a[0].toString(), "--tls-key", a[1].toString(), "--h2c");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("HTTP/2 is already offered by ALPN");
  }

  @Test
  void upstreamCaThatIsNotPem_exits2() throws Exception {
    Path garbage = dir.resolve("ca.pem");
    Files.writeString(garbage, "hello\n");

    Run r = run("--upstream-ca", garbage.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--upstream-ca " + garbage + " holds no PEM certificate");
  }
}
