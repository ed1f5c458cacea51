package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The sluice command line, run in-process: exit codes and what it prints. */
class MainTest {
  @TempDir Path dir;

  /** What one run printed and returned. */
  record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static String example(String name) {
    Path fromModule = Path.of("..", "examples", name);
    return (Files.exists(fromModule) ? fromModule : Path.of("examples", name)).toString();
  }

  @Test
  void checkValidPolicy_printsSummaryAndOk() {
    String file = example("ipto.yaml");

    Run r = run("check", "--config", file);

    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .startsWith(
            "Headers: X-RateLimit-Limit, X-RateLimit-Remaining,"
                + " X-RateLimit-Reset (Unix epoch seconds); Retry-After on every 429\n");
    assertThat(r.out())
        .contains(
            "  magic-link: POST /auth/magic-link, counted per body field"
                + " email (normalised: email, strip-tag)\n    3 per hour (fixed window)\n");
    assertThat(r.out()).endsWith("\nOK: " + file + " is valid\n");
  }

  @Test
  void checkConvotic_printsItsSummary() {
    String file = example("convotic.yaml");

    Run r = run("check", "-c", file);

    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains(
            "Global limits, on every request, counted per header X-API-Key, else client IP:\n"
                + "  minute  1,000 per minute (fixed window)\n");
  }

  @Test
  void checkInvalidPolicy_printsTheLocatedErrorAndTheLineAndExits2() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("broken.yaml"),
            """
            global:
              limits: [100/minute, 100/minit]
            """);

    Run r = run("check", "--config", file.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .isEqualTo(
            file
                + ":2:24: global.limits[1]: unknown window 'minit' in '100/minit'; did you mean"
                + " 'minute'? a window is second, minute, hour, day, week, lifetime or a duration"
                + " such as 15m, 1h, 250ms\n"
                + "    2 |   limits: [100/minute, 100/minit]\n"
                + "      |                        ^\n");
  }

  @Test
  void checkYamlSyntaxError_exits2WithoutStackTrace() throws IOException {
    Path file = Files.writeString(dir.resolve("bad.yaml"), "global: {limits: [1/second}\n");

    Run r = run("check", "--config", file.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .startsWith(file + ":1:27: invalid YAML: ")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  @Test
  void checkMissingFile_saysSoAndExits2() {
    Path file = dir.resolve("nope.yaml");

    Run r = run("check", "--config", file.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo(file + ": no such file\n");
  }

  @Test
  void checkWithoutConfig_isAUsageError() {
    Run r = run("check");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("Missing required option: '--config=FILE'")
        .contains("Usage: sluice check");
  }

  @Test
  void noCommand_printsUsageAndExits2() {
    Run r = run();

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Usage: sluice [-hV] [COMMAND]").contains("check");
  }

  @Test
  void unknownCommand_isAUsageError() {
    Run r = run("srve");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Unmatched argument at index 0: 'srve'");
  }

  @Test
  void serveWithoutAPolicy_isAUsageError() {
    Run r = run("serve");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required option: '--config=FILE'");
  }

  @Test
  void help_listsTheCommands() {
    Run r = run("--help");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains("Usage: sluice [-hV] [COMMAND]")
        .containsPattern("serve +Enforces a policy")
        .containsPattern("check +Validates a policy file and says what it enforces.")
        .containsPattern("simulate +Replays an access log through a policy");
  }

  @Test
  void version_namesSluiceAndJava() {
    Run r = run("--version");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .startsWith("sluice 0.1.0-SNAPSHOT\nJava " + System.getProperty("java.version"));
  }
}
