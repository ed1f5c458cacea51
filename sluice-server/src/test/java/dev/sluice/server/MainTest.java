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
  void checkWithExemptions_listsEach_withoutAnIdentitysValue() throws Exception {
    // PATH is set wherever the tests run; its value stands in for an exempt API key.
    Path file =
        Files.writeString(
            dir.resolve("exempt.yaml"),
            """
            global: {limits: 100/minute}
            exempt:
              addresses: [10.0.0.0/8, "2001:db8::/32"]
              identities: [{fingerprint: 3f2a9c0d11b74e58}, {env: PATH}]
              routes: [GET /health]
            """);

    Run r = run("check", "--config", file.toString());

    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains(
            "\nExempt: never limited nor counted, no rate-limit headers (outcome 'exempt'):\n"
                + "  address 10.0.0.0/8\n"
                + "  address 2001:db8::/32\n"
                + "  identity fingerprint 3f2a9c0d11b74e58\n"
                + "  identity the value of $PATH\n"
                + "  route GET /health\n")
        .doesNotContain(System.getenv("PATH"));
  }

  @Test
  void checkWithAnExemptIdentityInAnUnsetVariable_failsLocated() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("exempt.yaml"),
            "global: {limits: 100/minute}\nexempt: {identities: [{env: SLUICE_TEST_UNSET_42}]}\n");

    Run r = run("check", "--config", file.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("exempt.yaml:2:")
        .contains("environment variable SLUICE_TEST_UNSET_42 is not set");
  }

  private static final String TIERS_AND_WEBHOOK =
      """
      global: {limits: 100/minute}
      tiers:
        pro: {scale: 5}
      webhooks:
        - url: https://hooks.example.com/sluice
          thresholds: [80, 100]
          secret-env: %s
      """;

  @Test
  void checkPolicyWithTiersAndAWebhookWhoseSecretIsSet_listsThemWithoutTheSecret()
      throws IOException {
    // PATH is set wherever the tests run; its value stands in for a secret.
    Path file = Files.writeString(dir.resolve("tiers.yaml"), TIERS_AND_WEBHOOK.formatted("PATH"));

    Run r = run("check", "--config", file.toString());

    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .isEqualTo(
            "Headers: X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (Unix epoch"
                + " seconds); Retry-After on every 429\n"
                + "429 body: {\"detail\": \"Rate limit exceeded\", \"retry_after\": N}\n"
                + "\n"
                + "Global limits, on every request, counted per bearer token, else client IP:\n"
                + "  minute  100 per minute (fixed window)\n"
                + "\n"
                + "1 tier, given to identities through the admin API:\n"
                + "  pro: every rule's limits x5 (rounded down, at least 1)\n"
                + "\n"
                + "1 webhook:\n"
                + "  https://hooks.example.com/sluice: when an identity has used 80% and 100% of"
                + " a limit, on every rule; signed with the secret in environment variable PATH\n"
                + "\n"
                + "OK: "
                + file
                + " is valid\n");
    assertThat(r.out()).doesNotContain(System.getenv("PATH"));
  }

  @Test
  void checkPolicyWhoseWebhookSecretIsUnset_saysWhatServeWouldAndExits2() throws IOException {
    String unset = "SLUICE_TEST_CHECK_SECRET_NEVER_SET";
    assertThat(System.getenv(unset)).isNull();
    Path file = Files.writeString(dir.resolve("unset.yaml"), TIERS_AND_WEBHOOK.formatted(unset));

    Run r = run("check", "--config", file.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.out())
        .contains("signed with the secret in environment variable " + unset + "\n")
        .doesNotContain("OK:");
    assertThat(r.err())
        .isEqualTo(
            file
                + ": webhook https://hooks.example.com/sluice signs its events with the secret in"
                + " environment variable "
                + unset
                + ", which is not set; set it (e.g. export "
                + unset
                + "=$(openssl rand -hex 32)) and share it with the receiver, or remove the webhook"
                + " from the policy\n");
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
