package dev.sluice.server.simulate;

import dev.sluice.config.PolicyException;
import dev.sluice.config.PolicyFiles;
import dev.sluice.core.policy.Durations;
import dev.sluice.core.policy.Policy;
import dev.sluice.server.PolicyErrors;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice simulate --config FILE --log FILE}: replays an access log through a policy on the
 * log's own timestamps and reports who it would stop. See docs/simulate.md.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Replays an access log through a policy, on the log's own timestamps, and reports what it"
          + " would deny: per rule and limit, per identity (by fingerprint), and, with --against,"
          + " what changes from another policy."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the replay ran (and the gate, if any, passed)",
      "1:the share denied is over --fail-if-denied-over",
      "2:a policy is invalid, the log cannot be read, an option is wrong, or --strict met a"
          + " malformed line"
    })
public final class SimulateCommand implements Callable<Integer> {
  static final int GATE = 1;
  static final int INVALID = 2;

  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      required = true,
      paramLabel = "FILE",
      description = "The policy to try (YAML).")
  Path config;

  @Option(
      names = "--log",
      required = true,
      paramLabel = "FILE",
      description = "The access log; gzip is read as it is.")
  Path log;

  @Option(
      names = "--against",
      paramLabel = "FILE",
      description = "The policy in force now: the report says what changes from it.")
  Path against;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "auto",
      description =
          "combined (nginx/Apache, with or without $request_time), json (one object a line), envoy"
              + " (Envoy's default), or auto (from the first line). Default: ${DEFAULT-VALUE}.")
  String format;

  @Option(
      names = "--field",
      paramLabel = "NAME=FIELD",
      description =
          "For json: which field holds time, method, path, client or headers (an object), or"
              + " header.NAME (one header), e.g. --field time=ts --field header.X-API-Key=api_key.")
  Map<String, String> fields = new LinkedHashMap<>();

  @Option(names = "--report", paramLabel = "FILE", description = "Writes the HTML report here.")
  Path html;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description = "Writes the JSON summary here ('-': standard output, instead of the table).")
  String json;

  @Option(
      names = "--fail-if-denied-over",
      paramLabel = "PERCENT",
      description = "Exits 1 if the policy denies more than this share of requests, e.g. 0.1%%.")
  String failOver;

  @Option(names = "--strict", description = "A malformed line stops the replay (exit 2).")
  boolean strict;

  @Option(
      names = "--reorder-window",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description =
          "Lines out of order by up to this much are replayed in time order. Default:"
              + " ${DEFAULT-VALUE}.")
  String reorder;

  @Option(
      names = "--top",
      paramLabel = "N",
      defaultValue = "20",
      description = "How many limited identities to list. Default: ${DEFAULT-VALUE}.")
  int top;

  @Option(names = "--no-progress", description = "No progress line, even on a terminal.")
  boolean noProgress;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      return run(out, err);
    } catch (Invalid e) {
      err.println("sluice simulate: " + e.getMessage());
      err.flush();
      return INVALID;
    }
  }

  /** Bad input, said in one line. */
  static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  private int run(PrintWriter out, PrintWriter err) throws Invalid {
    Double gate = failOver == null ? null : share(failOver);
    Duration tolerance = Durations.parse(reorder);
    if (tolerance == null || tolerance.isNegative()) {
      throw new Invalid("--reorder-window " + reorder + ": not a duration such as 5s or 500ms");
    }
    if (top < 0) {
      throw new Invalid("--top must be 0 or more");
    }
    Policy proposed = policy(config, err);
    Policy current = against == null ? null : policy(against, err);
    if (proposed == null || (against != null && current == null)) {
      return INVALID;
    }
    if (!Files.isRegularFile(log)) {
      throw new Invalid(log + ": no such file");
    }
    Progress progress = new Progress(err, log, !noProgress && System.console() != null);
    Simulation sim;
    try (BufferedReader in = Simulation.open(log, progress::bytes)) {
      LogFormat f = format(in);
      byte[] secret = new byte[16];
      new SecureRandom().nextBytes(secret);
      sim =
          new Simulation(
              log,
              f,
              new PolicyReplay(config, proposed, f, secret),
              current == null ? null : new PolicyReplay(against, current, f, secret),
              tolerance.toNanos() / 1_000,
              strict);
      sim.run(in, progress::line);
    } catch (NoSuchFileException e) {
      throw new Invalid(log + ": no such file");
    } catch (IOException | UncheckedIOException e) {
      throw new Invalid(log + ": cannot be read: " + e.getMessage());
    } catch (Simulation.StrictFailure e) {
      progress.done();
      throw new Invalid(e.getMessage() + " (--strict)");
    }
    progress.done();
    Report report = new Report(sim, top, gate);
    if (!"-".equals(json)) {
      report.text(out);
    }
    try {
      if (json != null) {
        if (json.equals("-")) {
          report.json(out);
          out.println();
          out.flush();
        } else {
          try (Writer w = Files.newBufferedWriter(Path.of(json), StandardCharsets.UTF_8)) {
            report.json(w);
          }
        }
      }
      if (html != null) {
        Files.writeString(html, new HtmlReport(report).render(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new Invalid("cannot write the report: " + e.getMessage());
    }
    return report.gateFails() ? GATE : 0;
  }

  /** The policy in {@code file}, or null after printing its located error as check does. */
  private static Policy policy(Path file, PrintWriter err) {
    try {
      return PolicyFiles.load(file);
    } catch (PolicyException e) {
      PolicyErrors.print(err, file, e);
      return null;
    }
  }

  private LogFormat format(BufferedReader in) throws IOException, Invalid {
    String name = format.toLowerCase(Locale.ROOT);
    if (name.equals("auto")) {
      in.mark(1 << 15);
      String first = null;
      for (int i = 0; i < 100 && first == null; i++) {
        String l = in.readLine();
        if (l == null) {
          break;
        }
        first = l.isBlank() ? null : l;
      }
      in.reset();
      name = first == null ? "combined" : LogFormat.detect(first);
    }
    if (!fields.isEmpty() && !name.equals("json")) {
      throw new Invalid("--field is for --format json; this log is " + name);
    }
    switch (name) {
      case "combined":
        return new CombinedFormat();
      case "envoy":
        return new EnvoyFormat();
      case "json":
        try {
          return new JsonLinesFormat(fields);
        } catch (IllegalArgumentException e) {
          throw new Invalid(e.getMessage());
        }
      default:
        throw new Invalid(
            "--format " + format + ": the formats are combined, json, envoy and auto");
    }
  }

  /** {@code 0.1%} (or {@code 0.1}) as the share 0.001. */
  static Double share(String text) throws Invalid {
    String s = text.strip();
    if (s.endsWith("%")) {
      s = s.substring(0, s.length() - 1).strip();
    }
    try {
      double p = Double.parseDouble(s);
      if (p >= 0 && p <= 100) {
        return p / 100;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new Invalid("--fail-if-denied-over " + text + ": a percentage from 0% to 100%");
  }

  /** The progress line on a terminal: lines read, and how far through the file. */
  static final class Progress {
    private final PrintWriter err;
    private final boolean on;
    private final long size;
    private long bytes;
    private long lines;
    private long lastShown;

    Progress(PrintWriter err, Path file, boolean on) {
      this.err = err;
      this.on = on;
      long s;
      try {
        s = on ? Files.size(file) : 0;
      } catch (IOException e) {
        s = 0;
      }
      this.size = s;
    }

    void bytes(long n) {
      bytes = n;
    }

    void line() {
      lines++;
      if (on && (lines & 0x3fff) == 0) {
        long now = System.nanoTime();
        if (now - lastShown > 200_000_000L) {
          lastShown = now;
          err.printf(
              Locale.ROOT,
              "\rsimulate: %,d lines, %d%% of the file ",
              lines,
              size == 0 ? 0 : Math.min(100, bytes * 100 / size));
          err.flush();
        }
      }
    }

    void done() {
      if (on && lastShown != 0) {
        err.print("\r" + " ".repeat(60) + "\r");
        err.flush();
      }
    }
  }
}
