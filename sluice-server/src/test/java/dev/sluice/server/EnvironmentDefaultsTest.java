package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every option of {@code sluice serve} from its {@code SLUICE_*} variable, the command line
 * winning. The options are enumerated from the command's spec, so an option added later is covered
 * here as soon as it exists: a type without a sample below fails the test, asking for one.
 */
class EnvironmentDefaultsTest {
  @TempDir Path dir;

  /** Two distinct values an option of {@code type} takes, as text. */
  private static String[] samples(OptionSpec option) {
    Class<?> type = option.type();
    if (option.converters().length > 0 && type == Duration.class) {
      return new String[] {"7s", "9m"};
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return new String[] {"7", "9"};
    }
    if (type == String.class) {
      return new String[] {"first-value", "second-value"};
    }
    if (type == Path.class) {
      return new String[] {"first/path", "second/path"};
    }
    if (type.isEnum()) {
      Object[] constants = type.getEnumConstants();
      return new String[] {
        constants[0].toString(), constants[constants.length > 1 ? 1 : 0].toString()
      };
    }
    throw new AssertionError(
        option.longestName()
            + " is of type "
            + type.getName()
            + ": add two sample values for it to EnvironmentDefaultsTest.samples");
  }

  private static List<OptionSpec> serveOptions() {
    List<OptionSpec> out = new ArrayList<>();
    for (OptionSpec o : serve(Map.of()).getCommandSpec().options()) {
      if (EnvironmentDefaults.variable(o) != null) {
        out.add(o);
      }
    }
    return out;
  }

  private static CommandLine serve(Map<String, String> env) {
    return Main.commandLine(env::get).getSubcommands().get("serve");
  }

  /** The value {@code option} holds after parsing {@code args} with {@code env}. */
  private static Object parsed(String option, Map<String, String> env, String... args) {
    CommandLine root = Main.commandLine(env::get);
    List<String> all = new ArrayList<>(List.of("serve"));
    all.addAll(List.of(args));
    root.parseArgs(all.toArray(new String[0]));
    return root.getSubcommands().get("serve").getCommandSpec().findOption(option).getValue();
  }

  @Test
  void everyOptionThatTakesAValue_isReadFromItsVariable_andTheCommandLineWins() {
    List<OptionSpec> options = serveOptions();
    assertThat(options).hasSizeGreaterThan(20);
    int checked = 0;
    for (OptionSpec o : options) {
      if (EnvironmentDefaults.isFlag(o)) {
        continue;
      }
      String name = o.longestName();
      String variable = EnvironmentDefaults.variable(o);
      String[] sample = samples(o);
      String[] config = name.equals("--config") ? new String[0] : new String[] {"--config", "p"};

      Object fromFlag = parsed(name, Map.of(), concat(config, name, sample[0]));
      Object fromVariable = parsed(name, Map.of(variable, sample[0]), config);
      Object flagOverVariable =
          parsed(name, Map.of(variable, sample[1]), concat(config, name, sample[0]));
      Object fromOtherVariable = parsed(name, Map.of(variable, sample[1]), config);

      assertThat(fromVariable).as("%s from %s", name, variable).isEqualTo(fromFlag);
      assertThat(fromOtherVariable).as("%s from %s", name, variable).isNotEqualTo(fromFlag);
      assertThat(flagOverVariable).as("%s on the command line wins", name).isEqualTo(fromFlag);
      checked++;
    }
    assertThat(checked).isGreaterThan(15);
  }

  @Test
  void everyFlag_isReadFromItsVariable_asTrueOrFalse_andTheCommandLineWins() {
    int checked = 0;
    for (OptionSpec o : serveOptions()) {
      if (!EnvironmentDefaults.isFlag(o)) {
        continue;
      }
      String name = o.longestName();
      String variable = EnvironmentDefaults.variable(o);

      assertThat(parsedFlag(name, Map.of())).as(name).isFalse();
      assertThat(parsedFlag(name, Map.of(variable, "true"))).as(variable + "=true").isTrue();
      assertThat(parsedFlag(name, Map.of(variable, "TRUE"))).as(variable + "=TRUE").isTrue();
      assertThat(parsedFlag(name, Map.of(variable, "false"))).as(variable + "=false").isFalse();
      assertThat(parsedFlag(name, Map.of(variable, "false"), name))
          .as("%s given wins over %s=false", name, variable)
          .isTrue();
      assertThat(parsedFlag(name, Map.of(variable, "true"), name))
          .as("%s given with %s=true stays on (not toggled off)", name, variable)
          .isTrue();
      checked++;
    }
    assertThat(checked).as("--demo, --open-check at least").isGreaterThanOrEqualTo(2);
  }

  /**
   * A flag's value once the command has begun: flags are set from their variables after parsing, so
   * the command runs, with a port it refuses at once (exit 2, nothing started).
   */
  private static boolean parsedFlag(String name, Map<String, String> env, String... args) {
    CommandLine root = Main.commandLine(env::get);
    StringWriter sink = new StringWriter();
    root.setOut(new PrintWriter(sink, true));
    root.setErr(new PrintWriter(sink, true));
    List<String> all = new ArrayList<>(List.of("serve", "--config", "p", "--port", "70000"));
    all.addAll(List.of(args));
    assertThat(root.execute(all.toArray(new String[0]))).as(sink.toString()).isEqualTo(2);
    assertThat(sink.toString()).contains("ports are numbers from 0 to 65535");
    return (Boolean)
        root.getSubcommands().get("serve").getCommandSpec().findOption(name).getValue();
  }

  private static String[] concat(String[] head, String... tail) {
    String[] out = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, out, head.length, tail.length);
    return out;
  }

  record Run(int exitCode, String out, String err) {}

  private Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine(env::get);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  @Test
  void aBadValueInAVariable_exits2_namingTheVariable() {
    Run r = run(Map.of("SLUICE_PORT", "eighty"), "serve", "--config", "p.yaml");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("SLUICE_PORT (for --port)").contains("'eighty'");
  }

  @Test
  void aBadDurationInAVariable_exits2_namingTheVariable() {
    Run r = run(Map.of("SLUICE_SHUTDOWN_GRACE", "soon"), "serve", "--config", "p.yaml");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("SLUICE_SHUTDOWN_GRACE (for --shutdown-grace)").contains("soon");
  }

  @Test
  void aBadValueOnTheCommandLine_overABadVariable_namesTheOption() {
    Run r = run(Map.of("SLUICE_PORT", "eighty"), "serve", "--config", "p.yaml", "--port", "ninety");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("'--port'").contains("ninety").doesNotContain("SLUICE_PORT (");
  }

  @Test
  void aFlagVariableNeitherTrueNorFalse_exits2_namingIt() {
    Run r = run(Map.of("SLUICE_DEMO", "yes"), "serve", "--config", "p.yaml");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("SLUICE_DEMO (for --demo) must be true or false, got 'yes'");
  }

  @Test
  void noConfig_saysTheOptionAndItsVariable() {
    Run r = run(Map.of(), "serve");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required option: '--config=FILE' (or SLUICE_CONFIG)");
  }

  @Test
  void otherCommands_readNoVariables_andSayNone() {
    Run r = run(Map.of("SLUICE_CONFIG", "p.yaml"), "check");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("Missing required option: '--config=FILE'")
        .doesNotContain("SLUICE_CONFIG");
  }

  @Test
  void anEmptyVariable_countsAsUnset() {
    assertThat(parsed("--port", Map.of("SLUICE_PORT", ""), "--config", "p")).isEqualTo(8080);
  }

  @Test
  void aStoreOptionFromItsVariable_reachesTheStore_whichRefusesItWhenNotItsOwn() {
    // --max-buckets is passed to the store only when given: by its variable, it is given.
    Map<String, String> env = new HashMap<>();
    env.put("SLUICE_MAX_BUCKETS", "5000");
    env.put("SLUICE_STORE", "redis://127.0.0.1:1");
    env.put("SLUICE_CONFIG", "p.yaml");

    Run r = run(env, "serve");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--max-buckets applies to the memory store only");
  }

  @Test
  void help_namesEveryOptionsVariable() {
    StringWriter out = new StringWriter();
    CommandLine serve = serve(Map.of());
    serve.usage(new PrintWriter(out, true));

    for (OptionSpec o : serveOptions()) {
      assertThat(out.toString())
          .as("--help names %s", o.longestName())
          .contains("Environment: " + EnvironmentDefaults.variable(o) + ".");
    }
    assertThat(out.toString()).doesNotContain("[picocli WARN]");
  }

  @Test
  void variableNames_followTheLongestName() {
    OptionSpec config = serve(Map.of()).getCommandSpec().findOption("-c");
    OptionSpec perClient =
        serve(Map.of()).getCommandSpec().findOption("--max-new-identities-per-client");

    assertThat(EnvironmentDefaults.variable(config)).isEqualTo("SLUICE_CONFIG");
    assertThat(EnvironmentDefaults.variable(perClient))
        .isEqualTo("SLUICE_MAX_NEW_IDENTITIES_PER_CLIENT");
  }
}
