package dev.sluice.server;

import dev.sluice.config.PolicyException;
import dev.sluice.config.PolicyFiles;
import dev.sluice.config.PolicySummary;
import dev.sluice.core.policy.Policy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice check --config FILE}: validates a policy file. A valid one is summarised on
 * standard output, followed by {@code OK: FILE is valid} (exit 0); an invalid or missing one gets
 * its located error, and the offending line with a caret, on standard error (exit 2).
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Validates a policy file and says what it enforces.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the policy is valid", "2:the policy is invalid or cannot be read"})
final class CheckCommand implements Callable<Integer> {
  static final int INVALID = 2;

  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      required = true,
      paramLabel = "FILE",
      description = "The policy file (YAML), e.g. examples/ipto.yaml.")
  Path config;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Policy policy;
    try {
      policy = PolicyFiles.load(config);
    } catch (PolicyException e) {
      err.println(e.getMessage());
      snippet(err, e);
      err.flush();
      return INVALID;
    }
    out.print(PolicySummary.describe(policy));
    out.println();
    out.println("OK: " + config + " is valid");
    out.flush();
    return 0;
  }

  /** The offending line of the file, and a caret under the column, as compilers show it. */
  private void snippet(PrintWriter err, PolicyException e) {
    if (e.line() < 1) {
      return;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(config, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException unreadable) {
      return; // the message alone still says where
    }
    if (e.line() > lines.size()) {
      return;
    }
    String line = lines.get(e.line() - 1);
    String number = Integer.toString(e.line());
    err.println(" ".repeat(Math.max(0, 5 - number.length())) + number + " | " + line);
    StringBuilder pad = new StringBuilder();
    for (int i = 0, col = 1; i < line.length() && col < e.column(); col++) {
      int c = line.codePointAt(i);
      pad.append(c == '\t' ? '\t' : ' ');
      i += Character.charCount(c);
    }
    err.println("      | " + pad + "^");
  }
}
