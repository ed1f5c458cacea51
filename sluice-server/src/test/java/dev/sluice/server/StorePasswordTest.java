package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The store password kept off the command line: read from {@code SLUICE_STORE_PASSWORD} or a file,
 * and every way of giving it wrongly refused at start-up with exit code 2 and a message that names
 * where it came from, never the password. (That it reaches a real Redis is ProductionProcessTest's
 * and RedisPasswordApartTest's.)
 */
class StorePasswordTest {
  @TempDir Path dir;

  record Run(int exitCode, String out, String err) {}

  private Run serve(Map<String, String> env, String... args) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: ip, limits: 5/minute}\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine(env::get);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("serve", "--config", policy.toString()));
    all.addAll(List.of("--port", "0", "--admin-port", "0"));
    all.addAll(List.of("--state-dir", dir.resolve("state").toString()));
    all.addAll(List.of(args));
    return new Run(cl.execute(all.toArray(new String[0])), out.toString(), err.toString());
  }

  @Test
  void aPasswordFileThatDoesNotExist_exits2_namingTheVariableAndTheFile() throws Exception {
    Path missing = dir.resolve("no-such-file");

    Run r =
        serve(
            Map.of("SLUICE_STORE_PASSWORD_FILE", missing.toString()),
            "--store",
            "redis://127.0.0.1:1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("SLUICE_STORE_PASSWORD_FILE: cannot read the store password from " + missing)
        .contains("no such file");
  }

  @Test
  void aPasswordFileThatIsADirectory_orEmpty_orHuge_exits2() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    Path huge = Files.write(dir.resolve("huge"), new byte[StorePassword.MAX_BYTES + 1]);

    Run directory = serve(Map.of(), "--store-password-file", dir.toString());
    Run blank = serve(Map.of(), "--store-password-file", empty.toString());
    Run big = serve(Map.of(), "--store-password-file", huge.toString());

    assertThat(directory.exitCode()).isEqualTo(2);
    assertThat(directory.err()).contains("--store-password-file: cannot read the store password");
    assertThat(blank.exitCode()).isEqualTo(2);
    assertThat(blank.err()).contains("--store-password-file: " + empty + " is empty");
    assertThat(big.exitCode()).isEqualTo(2);
    assertThat(big.err()).contains("is larger than 4096 bytes");
  }

  @Test
  void theVariableAndAFileBoth_exit2_askingToKeepOne() throws Exception {
    Path file = Files.writeString(dir.resolve("pw"), "from-the-file\n");
    Map<String, String> env = new HashMap<>();
    env.put("SLUICE_STORE_PASSWORD", "from-the-variable");
    env.put("SLUICE_STORE_PASSWORD_FILE", file.toString());

    Run r = serve(env, "--store", "redis://127.0.0.1:1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "SLUICE_STORE_PASSWORD and SLUICE_STORE_PASSWORD_FILE both give the store password")
        .doesNotContain("from-the-");
  }

  @Test
  void aPasswordInTheUriAndTheVariable_exit2_withNeitherShown() throws Exception {
    Run r =
        serve(
            Map.of("SLUICE_STORE_PASSWORD", "from-the-variable"),
            "--store",
            "redis://:in-the-uri@127.0.0.1:1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("--store: invalid Redis store URI 'redis://:***@127.0.0.1:1'")
        .contains("give it in one place only")
        .contains("(the password is from SLUICE_STORE_PASSWORD)")
        .doesNotContain("in-the-uri")
        .doesNotContain("from-the-variable");
  }

  @Test
  void aPasswordFileWithWindowsLineEnds_losesThemButKeepsTrailingSpaces() throws Exception {
    Path file = Files.writeString(dir.resolve("pw"), "pass word \r\n");

    assertThat(StorePassword.resolve(Map.<String, String>of()::get, file, "--store-password-file"))
        .isEqualTo("pass word ");
  }
}
