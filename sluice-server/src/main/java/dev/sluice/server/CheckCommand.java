package dev.sluice.server;

import dev.sluice.config.PolicyException;
import dev.sluice.config.PolicyFiles;
import dev.sluice.config.PolicySummary;
import dev.sluice.core.policy.Policy;
import java.io.PrintWriter;
import java.nio.file.Path;
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
      PolicyErrors.print(err, config, e);
      return INVALID;
    }
    out.print(PolicySummary.describe(policy));
    out.println();
    out.println("OK: " + config + " is valid");
    out.flush();
    return 0;
  }
}
