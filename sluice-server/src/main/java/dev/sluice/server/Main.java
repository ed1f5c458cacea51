package dev.sluice.server;

import dev.sluice.server.simulate.SimulateCommand;
import picocli.CommandLine;

/**
 * The {@code sluice} command: {@code sluice check --config FILE} validates a policy file and says
 * what it enforces. Exit codes: 0 success, 2 an invalid policy, a missing file or a usage error, 1
 * an internal error. No stack trace ever reaches the user.
 */
public final class Main {
  private Main() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    // Netty 4.2's default buffer allocator (adaptive) costs the proxy about a tenth of its
    // throughput against the pooled one that was Netty 4.1's default (BENCHMARKS.md, "Gateway
    // load"; netty/netty#15292). Set before any Netty class loads; a -D given by the user wins.
    if (System.getProperty(NETTY_ALLOCATOR) == null) {
      System.setProperty(NETTY_ALLOCATOR, "pooled");
    }
    System.exit(commandLine().execute(args));
  }

  private static final String NETTY_ALLOCATOR = "io.netty.allocator.type";

  /** The command line, ready to execute; tests set its output and error writers. */
  static CommandLine commandLine() {
    return commandLine(System::getenv);
  }

  /**
   * The command line, reading {@code serve}'s options and secrets from {@code environment} (a
   * variable's value by name, null when unset) rather than the process's: tests give their own.
   */
  static CommandLine commandLine(java.util.function.Function<String, String> environment) {
    CommandLine cl = new CommandLine(new SluiceCommand());
    cl.addSubcommand(new ServeCommand(environment));
    cl.addSubcommand(new CheckCommand());
    cl.addSubcommand(new SimulateCommand());
    cl.setExecutionExceptionHandler(
        (e, failed, parseResult) -> {
          // A bug of ours, not the user's mistake: one line, no stack trace.
          failed.getErr().println("sluice: internal error: " + e);
          failed.getErr().flush();
          return CommandLine.ExitCode.SOFTWARE;
        });
    EnvironmentDefaults.install(cl, "serve", environment);
    return cl;
  }
}
