package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code sluice serve}'s webhook options: a bad one exits 2 naming it, before anything starts. */
class ServeWebhookOptionsTest {
  record Run(int exitCode, String err) {}

  private static Run serve(String... options) {
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    String[] args = new String[options.length + 3];
    args[0] = "serve";
    args[1] = "--config";
    args[2] = "no-such-policy.yaml"; // never read: the options are checked first
    System.arraycopy(options, 0, args, 3, options.length);
    return new Run(cl.execute(args), err.toString());
  }

  @Test
  void aMaxBackoffBelowTheFirst_isRefused_namingBoth() {
    Run r = serve("--webhook-backoff", "5s", "--webhook-max-backoff", "1s");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "sluice serve: --webhook-max-backoff (1000ms) must be at least --webhook-backoff"
                + " (5000ms)");
  }

  @Test
  void aBackoffUnderAMillisecond_isRefused() {
    Run r = serve("--webhook-backoff", "0s");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--webhook-backoff must be at least 1ms");
  }

  @Test
  void anEmptyQueue_isRefused() {
    Run r = serve("--webhook-queue", "0");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--webhook-queue must be at least 1, got 0");
  }

  @Test
  void aRetryTimeThatIsNotADuration_isAUsageErrorNamingTheOption() {
    Run r = serve("--webhook-retry-for", "24x");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("--webhook-retry-for")
        .contains("'24x' is not a duration (e.g. 30s, 500ms, 2m)");
  }
}
