package dev.sluice.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Every option {@code --foo-bar} of a command also read from the environment variable {@code
 * SLUICE_FOO_BAR}, an option on the command line winning over its variable. Containers and service
 * managers configure through the environment; the command line stays the place for a one-off.
 *
 * <p>Generic by design: the variable's name is derived from each option's longest name, so an
 * option added to the command later gets its variable, its line in {@code --help} and its test
 * (EnvironmentDefaultsTest enumerates the options) without anything written here.
 *
 * <p>How it works, and why in two ways:
 *
 * <ul>
 *   <li>An option that takes a value gets its variable's value as its default, through picocli's
 *       {@link IDefaultValueProvider}: picocli converts it as it would the option's own text, a
 *       required option ({@code --config}) is satisfied by it, and a value on the command line
 *       replaces it.
 *   <li>A flag (a boolean option taking no value) cannot: picocli sets a flag given on the command
 *       line to the opposite of its default, so a default of {@code true} from {@code
 *       SLUICE_DEMO=true} would turn {@code --demo} off. Flags are read after parsing instead, only
 *       when not given: {@code true} or {@code false}, in any case; anything else is an error.
 * </ul>
 *
 * An empty variable counts as unset (a template that left it blank). A value that does not convert
 * is an error that names the variable, so the operator looks in the right place. The standard
 * {@code --help} and {@code --version} options have no variable.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {
  static final String PREFIX = "SLUICE_";

  private final Function<String, String> environment;

  /** Options whose value came from their variable: an error converting it names the variable. */
  private final Set<OptionSpec> fromEnvironment =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private EnvironmentDefaults(Function<String, String> environment) {
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  /**
   * Reads the options of {@code root}'s subcommand {@code name} from {@code environment} (a
   * variable's value by name, null when unset; {@code System::getenv} in production), and names
   * each option's variable in its {@code --help} line. Call once the root's parameter exception
   * handler and execution strategy are set: both are wrapped.
   */
  static void install(CommandLine root, String name, Function<String, String> environment) {
    CommandLine command = root.getSubcommands().get(name);
    EnvironmentDefaults defaults = new EnvironmentDefaults(environment);
    describeVariables(command.getCommandSpec());
    command.setDefaultValueProvider(defaults);
    for (CommandLine c : List.of(root, command)) {
      CommandLine.IParameterExceptionHandler handler = c.getParameterExceptionHandler();
      c.setParameterExceptionHandler(
          (ex, args) -> handler.handleParseException(defaults.located(ex), args));
    }
    CommandLine.IExecutionStrategy next = root.getExecutionStrategy();
    root.setExecutionStrategy(
        parsed -> {
          defaults.applyFlags(parsed);
          return next.execute(parsed);
        });
  }

  /** {@code SLUICE_FOO_BAR} for {@code --foo-bar}; null for an option that has none. */
  static String variable(OptionSpec option) {
    if (option.usageHelp() || option.versionHelp()) {
      return null;
    }
    String name = option.longestName().replaceFirst("^-+", "");
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9-]*")) {
      return null;
    }
    return PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** Whether {@code option} is a flag: a boolean that takes no value. */
  static boolean isFlag(OptionSpec option) {
    Class<?> type = option.type();
    return option.arity().max() == 0 && (type == boolean.class || type == Boolean.class);
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option) || isFlag(option)) {
      return null;
    }
    String value = valueOf(option);
    if (value != null) {
      fromEnvironment.add(option);
    }
    return value;
  }

  /** The value of {@code option}'s variable, or null if it has none, or it is unset or empty. */
  private String valueOf(OptionSpec option) {
    String name = variable(option);
    String value = name == null ? null : environment.apply(name);
    return value == null || value.isEmpty() ? null : value;
  }

  /**
   * Sets every flag of the command that {@code parsed} ran that was not given on the command line
   * from its variable. Called after parsing, before the command runs.
   *
   * @throws ParameterException if a variable is neither {@code true} nor {@code false}
   */
  private void applyFlags(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) {
        return;
      }
      if (p.commandSpec().commandLine().getDefaultValueProvider() != this) {
        continue;
      }
      for (OptionSpec option : p.commandSpec().options()) {
        if (!isFlag(option) || p.hasMatchedOption(option)) {
          continue;
        }
        String value = valueOf(option);
        if (value == null) {
          continue;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
          throw new ParameterException(
              p.commandSpec().commandLine(),
              variable(option)
                  + " (for "
                  + option.longestName()
                  + ") must be true or false, got '"
                  + value
                  + "'",
              option,
              value);
        }
        option.setValue(Boolean.valueOf(v));
      }
    }
  }

  /**
   * {@code ex}, reworded to name the variable when the value at fault came from one: picocli says
   * "Invalid value for option '--port'", which sends the operator to a command line that has no
   * such option.
   */
  private ParameterException located(ParameterException ex) {
    ArgSpec spec = ex.getArgSpec();
    if (ex.getCommandLine() == null || ex.getCommandLine().getDefaultValueProvider() != this) {
      return ex; // another command's: it reads no variable
    }
    if (ex instanceof CommandLine.MissingParameterException missing) {
      List<String> variables = new ArrayList<>();
      for (ArgSpec a : missing.getMissing()) {
        if (a instanceof OptionSpec o && variable(o) != null) {
          variables.add(variable(o));
        }
      }
      if (variables.isEmpty()) {
        return ex;
      }
      return new CommandLine.MissingParameterException(
          ex.getCommandLine(),
          missing.getMissing(),
          ex.getMessage()
              + (variables.size() == 1
                  ? " (or " + variables.get(0) + ")"
                  : " (or their variables: " + String.join(", ", variables) + ")"));
    }
    if (!(spec instanceof OptionSpec option)
        || !fromEnvironment.contains(option)
        || matchedOnCommandLine(ex, option)) {
      return ex;
    }
    String message = String.valueOf(ex.getMessage());
    String quoted = "option '" + option.longestName() + "'";
    String where = variable(option) + " (for " + option.longestName() + ")";
    String reworded =
        message.contains(quoted) ? message.replace(quoted, where) : where + ": " + message;
    return new ParameterException(ex.getCommandLine(), reworded, ex, option, ex.getValue());
  }

  private static boolean matchedOnCommandLine(ParameterException ex, OptionSpec option) {
    ParseResult parsed = ex.getCommandLine().getParseResult();
    if (parsed != null && parsed.hasMatchedOption(option)) {
      return true;
    }
    // Parsing stopped at the error, so the result may not hold the option yet: look at the words.
    Set<String> names = new HashSet<>(Arrays.asList(option.names()));
    for (String arg : parsed == null ? List.<String>of() : parsed.originalArgs()) {
      int eq = arg.indexOf('=');
      if (names.contains(eq < 0 ? arg : arg.substring(0, eq))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Appends "Also from $SLUICE_FOO_BAR." to each option's description, rebuilding the options in
   * their order (an option's description is fixed once built; its binding to the field is kept).
   */
  private static void describeVariables(CommandSpec spec) {
    List<OptionSpec> options = new ArrayList<>(spec.options());
    List<OptionSpec> rebuilt = new ArrayList<>();
    for (OptionSpec o : options) {
      String name = variable(o);
      if (name == null) {
        rebuilt.add(o);
        continue;
      }
      OptionSpec.Builder b = o.toBuilder(); // its description as written, not yet rendered
      List<String> lines = new ArrayList<>(Arrays.asList(b.description()));
      lines.add("Environment: " + name + ".");
      rebuilt.add(b.description(lines.toArray(new String[0])).build());
    }
    for (OptionSpec o : options) {
      spec.remove(o);
    }
    for (OptionSpec o : rebuilt) {
      spec.addOption(o);
    }
  }
}
