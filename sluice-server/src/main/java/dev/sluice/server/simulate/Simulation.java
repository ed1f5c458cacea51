package dev.sluice.server.simulate;

import dev.sluice.core.Decision;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * A log replayed through a policy (and, for a diff, through a second one): the log read as a
 * stream, gzip or not; malformed lines counted and skipped; lines out of order by up to {@code
 * reorderMicros} replayed in time order through a small buffer, those later still replayed at the
 * replay's current time and reported.
 */
final class Simulation {
  /** How many malformed and out-of-order lines are shown by number. */
  static final int EXAMPLES = 5;

  final Path log;
  final LogFormat format;
  final PolicyReplay policy;
  final PolicyReplay against; // or null
  final long reorderMicros;
  final boolean strict;

  long lines;
  long blank;
  long malformed;
  final List<String> malformedExamples = new ArrayList<>();
  long reordered;
  long late;
  final List<String> lateExamples = new ArrayList<>();
  long firstMicros = Long.MAX_VALUE;
  long lastMicros = Long.MIN_VALUE;
  long bytesRead;

  // the diff: requests the proposed policy denies that the current one allows, and the reverse
  long newlyDenied;
  long newlyAllowed;
  final Map<String, long[]> diffByRule = new LinkedHashMap<>(); // rule -> {denied, allowed}

  private final ReorderBuffer buffer = new ReorderBuffer();
  private long newest = Long.MIN_VALUE;
  private long replayedUpTo = Long.MIN_VALUE;

  Simulation(
      Path log,
      LogFormat format,
      PolicyReplay policy,
      PolicyReplay against,
      long reorderMicros,
      boolean strict) {
    this.log = log;
    this.format = format;
    this.policy = policy;
    this.against = against;
    this.reorderMicros = reorderMicros;
    this.strict = strict;
  }

  /** A malformed line under {@code --strict}: where, and what is wrong. */
  static final class StrictFailure extends Exception {
    private static final long serialVersionUID = 1L;

    StrictFailure(String message) {
      super(message, null, false, false);
    }
  }

  /** Opens {@code file}, unzipping it if it starts with gzip's magic bytes. */
  static BufferedReader open(Path file, Consumer<Long> progress) throws IOException {
    InputStream raw = Files.newInputStream(file);
    InputStream counted =
        new java.io.FilterInputStream(raw) {
          long n;

          @Override
          public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
              progress.accept(++n);
            }
            return b;
          }

          @Override
          public int read(byte[] buf, int off, int len) throws IOException {
            int r = super.read(buf, off, len);
            if (r > 0) {
              n += r;
              progress.accept(n);
            }
            return r;
          }
        };
    PushbackInputStream in = new PushbackInputStream(counted, 2);
    byte[] magic = in.readNBytes(2);
    in.unread(magic);
    InputStream body =
        magic.length == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b
            ? new GZIPInputStream(in, 1 << 16)
            : in;
    return new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 1 << 16);
  }

  /** Replays every line of {@code in}; {@code tick} is told after each line. */
  void run(BufferedReader in, Runnable tick) throws IOException, StrictFailure {
    String line;
    while ((line = in.readLine()) != null) {
      lines++;
      if (line.isBlank()) {
        blank++;
        continue;
      }
      LogLine l;
      try {
        l = format.parse(lines, line);
      } catch (Malformed e) {
        malformed++;
        String example = "line " + lines + ": " + e.getMessage();
        if (strict) {
          throw new StrictFailure(log + ": " + example);
        }
        if (malformedExamples.size() < EXAMPLES) {
          malformedExamples.add(example);
        }
        continue;
      }
      offer(l);
      tick.run();
    }
    while (!buffer.isEmpty()) {
      replay(buffer.poll());
    }
  }

  private void offer(LogLine l) {
    if (l.timeMicros < replayedUpTo) {
      late++; // beyond the tolerance: its moment has been replayed already
      if (lateExamples.size() < EXAMPLES) {
        lateExamples.add(
            "line "
                + l.number
                + ": "
                + Report.seconds(replayedUpTo - l.timeMicros)
                + " before a request already replayed");
      }
      replay(l);
      return;
    }
    if (l.timeMicros < newest) {
      reordered++;
    }
    newest = Math.max(newest, l.timeMicros);
    buffer.add(l);
    while (!buffer.isEmpty() && buffer.peek().timeMicros <= newest - reorderMicros) {
      replay(buffer.poll());
    }
  }

  private void replay(LogLine l) {
    firstMicros = Math.min(firstMicros, l.timeMicros);
    lastMicros = Math.max(lastMicros, l.timeMicros);
    LogLine at = l.timeMicros < replayedUpTo ? l.at(replayedUpTo) : l;
    replayedUpTo = at.timeMicros;
    Decision proposed = policy.replay(at);
    if (against == null) {
      return;
    }
    Decision current = against.replay(at);
    boolean deniedNow = proposed.outcome() == Decision.Outcome.DENIED;
    boolean deniedBefore = current.outcome() == Decision.Outcome.DENIED;
    if (deniedNow && !deniedBefore) {
      newlyDenied++;
      for (String rule : Tally.denyingRules(proposed)) {
        diffByRule.computeIfAbsent(rule, k -> new long[2])[0]++;
      }
    } else if (deniedBefore && !deniedNow) {
      newlyAllowed++;
      for (String rule : Tally.denyingRules(current)) {
        diffByRule.computeIfAbsent(rule, k -> new long[2])[1]++;
      }
    }
  }
}
