package dev.sluice.server;

import picocli.CommandLine;

/**
 * The {@code sluice} command: {@code sluice check --config FILE} validates a policy file and
 * says what it enforces. Exit codes: 0 success, 2 an invalid policy, a missing file or a usage
 * error, 1 an internal error. No stack trace ever reaches the user.
 */
public final class Main {
  private Main() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line, ready to execute; tests set its output and error writers. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new SluiceCommand());
    cl.addSubcommand(new ServeCommand());
    cl.addSubcommand(new CheckCommand());
    cl.setExecutionExceptionHandler((e, failed, parseResult) -> {
      // A bug of ours, not the user's mistake: one line, no stack trace.
      failed.getErr().println("sluice: internal error: " + e);
      failed.getErr().flush();
      return CommandLine.ExitCode.SOFTWARE;
    });
    return cl;
  }
}
