package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice serve} with {@code --rls-port}: what does not go together exits 2, saying why. */
class ServeRlsCommandTest {
  @TempDir Path dir;

  private record Run(int exitCode, String err) {}

  private Run run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--state-dir";
    all[args.length + 1] = dir.resolve("state").toString();
    return new Run(cl.execute(all), err.toString());
  }

  @Test
  void rlsPortWithASluicePolicyExits2() throws Exception {
    Path p = Files.writeString(dir.resolve("policy.yaml"), "global: {limits: 5/minute}\n");
    Run r = run("serve", "--config", p.toString(), "--admin-port", "0", "--rls-port", "0");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--rls-port serves envoyproxy/ratelimit configuration");
  }

  @Test
  void anEnvoyproxyRatelimitFileWithoutRlsPortExits2() throws Exception {
    Path p = Files.writeString(dir.resolve("rl.yaml"), "domain: d\ndescriptors: []\n");
    Run r = run("serve", "--config", p.toString(), "--admin-port", "0");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("is envoyproxy/ratelimit configuration: give --rls-port");
  }

  @Test
  void aBrokenEnvoyproxyRatelimitFileExits2WithTheLocatedError() throws Exception {
    Path p =
        Files.writeString(
            dir.resolve("rl.yaml"),
            "domain: d\ndescriptors:\n  - key: a\n    rate_limit: {unit: fortnight}\n");
    Run r = run("serve", "--config", p.toString(), "--admin-port", "0", "--rls-port", "0");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .startsWith(p + ":4:24: descriptors[0].rate_limit.unit: invalid rate limit unit");
  }

  @Test
  void aBadRlsPortExits2() {
    Run r = run("serve", "--config", "x.yaml", "--rls-port", "70000");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--rls-port is a number from 0 to 65535");
  }

  @Test
  void aTlsCertificateThatIsNoCertificateExits2NamingTheFile() throws Exception {
    Path rl = Files.writeString(dir.resolve("rl.yaml"), "domain: d\ndescriptors: []\n");
    Path cert = Files.writeString(dir.resolve("cert.pem"), "not a certificate\n");
    Path key = Files.writeString(dir.resolve("key.pem"), "not a key\n");
    Run r =
        run(
            "serve",
            "--config",
            rl.toString(),
            "--admin-port",
            "0",
            "--rls-port",
            "0",
            "--rls-tls-cert",
            cert.toString(),
            "--rls-tls-key",
            key.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("sluice serve: --rls-tls-cert " + cert + ": ");
  }

  @Test
  void aTlsKeyWithoutItsCertificateExits2() throws Exception {
    Path rl = Files.writeString(dir.resolve("rl.yaml"), "domain: d\ndescriptors: []\n");
    Run r =
        run(
            "serve",
            "--config",
            rl.toString(),
            "--admin-port",
            "0",
            "--rls-port",
            "0",
            "--rls-tls-key",
            dir.resolve("key.pem").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("--rls-tls-key needs --rls-tls-cert, the certificate chain it belongs to");
  }

  @Test
  void tlsOptionsWithoutRlsPortExit2() throws Exception {
    Path rl = Files.writeString(dir.resolve("p.yaml"), "global: {limits: 5/minute}\n");
    Run r =
        run(
            "serve",
            "--config",
            rl.toString(),
            "--admin-port",
            "0",
            "--rls-tls-cert",
            "c.pem",
            "--rls-tls-key",
            "k.pem");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("give --rls-port too");
  }
}
