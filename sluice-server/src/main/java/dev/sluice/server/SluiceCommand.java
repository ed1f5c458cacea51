package dev.sluice.server;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sluice}: the top command. Alone, it prints its usage and fails. */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Rate limiting for HTTP APIs, driven by a YAML policy file.",
    commandListHeading = "%nCommands:%n",
    footer = {"", "Run 'sluice COMMAND --help' for a command's options."})
final class SluiceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    cl.getErr().println("sluice: say what to do, e.g. sluice check --config examples/ipto.yaml");
    cl.usage(cl.getErr());
    return CommandLine.ExitCode.USAGE;
  }
}
