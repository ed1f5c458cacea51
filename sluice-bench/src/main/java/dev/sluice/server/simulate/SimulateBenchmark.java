package dev.sluice.server.simulate;

import dev.sluice.config.PolicyFiles;
import dev.sluice.core.policy.Policy;
import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code sluice simulate}'s replay, in log lines per second on one thread: {@value #LINES}
 * combined-format lines (held in memory, so the disk is not measured) replayed through {@code
 * examples/ipto.yaml} (run from the repository root). The traffic: {@code clients} addresses, one
 * request every 10 ms of log time, a mix of IPTO's endpoints. {@code parse} reads the lines only,
 * to tell the parser's share from the engine's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class SimulateBenchmark {
  static final int LINES = 200_000;
  private static final String[] REQUESTS = {
    "GET /assets",
    "GET /microip/search?q=logo",
    "GET /balance",
    "GET /wallets",
    "PATCH /assets/42",
    "POST /assets",
    "GET /microip/assets/7/download"
  };

  @Param({"10000"})
  int clients;

  String log;
  Policy policy;
  final byte[] secret = new byte[16];

  @Setup(Level.Trial)
  public void setUp() {
    policy = PolicyFiles.load(Path.of("examples/ipto.yaml"));
    DateTimeFormatter clf =
        DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    Instant start = Instant.parse("2030-01-01T00:00:00Z");
    Random rnd = new Random(23);
    StringBuilder sb = new StringBuilder(LINES * 110);
    for (int i = 0; i < LINES; i++) {
      int c = rnd.nextInt(clients);
      String[] req = REQUESTS[rnd.nextInt(REQUESTS.length)].split(" ");
      sb.append("10.")
          .append(c >> 16)
          .append('.')
          .append((c >> 8) & 0xff)
          .append('.')
          .append(c & 0xff)
          .append(" - - [")
          .append(clf.format(start.plusMillis(10L * i)))
          .append("] \"")
          .append(req[0])
          .append(' ')
          .append(req[1])
          .append(" HTTP/1.1\" 200 512 \"-\" \"curl/8.5.0\" 0.003\n");
    }
    log = sb.toString();
  }

  /** Every line replayed through the IPTO policy, as {@code sluice simulate} does. */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public long replay() throws Exception {
    LogFormat f = new CombinedFormat();
    Simulation sim =
        new Simulation(
            Path.of("bench.log"),
            f,
            new PolicyReplay(Path.of("ipto.yaml"), policy, f, secret),
            null,
            5_000_000,
            false);
    sim.run(new BufferedReader(new StringReader(log)), () -> {});
    return sim.policy.tally.denied;
  }

  /** Every line parsed only. */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public long parse() throws Exception {
    CombinedFormat f = new CombinedFormat();
    BufferedReader in = new BufferedReader(new StringReader(log));
    long n = 0;
    String line;
    while ((line = in.readLine()) != null) {
      n += f.parse(n, line).timeMicros;
    }
    return n;
  }
}
