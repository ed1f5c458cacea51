package dev.sluice.server;

import dev.sluice.config.PolicyException;
import dev.sluice.config.PolicyFiles;
import dev.sluice.config.PolicySummary;
import dev.sluice.core.policy.Policy;
import dev.sluice.server.ops.Operations;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice check --config FILE}: validates a policy file. A valid one is summarised on
 * standard output, followed by {@code OK: FILE is valid} (exit 0); an invalid or missing one gets
 * its located error, and the offending line with a caret, on standard error (exit 2). A valid one
 * that {@code serve} would refuse here, because a webhook's secret variable is unset in this
 * environment, is summarised, then the problem is said on standard error in {@code serve}'s words
 * (exit 2); the secret's value is never printed.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Validates a policy file and says what it enforces.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the policy is valid",
      "2:the policy is invalid, cannot be read, or would not serve here (a webhook's secret"
          + " variable is unset)"
    })
final class CheckCommand implements Callable<Integer> {
  static final int INVALID = 2;

  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      required = true,
      paramLabel = "FILE",
      description = "The policy file (YAML), e.g. examples/ipto.yaml.")
  Path config;

  /** Where webhook secrets are looked up by variable name: the environment, as for serve. */
  Function<String, String> secrets = System::getenv;

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
    out.flush();
    List<String> unset = Operations.unsetSecrets(policy, secrets);
    if (!unset.isEmpty()) {
      for (String problem : unset) {
        err.println(config + ": " + problem);
      }
      err.flush();
      return INVALID;
    }
    out.println("OK: " + config + " is valid");
    out.flush();
    return 0;
  }
}
