package dev.sluice.server.gateway;

import dev.sluice.micrometer.MeterNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The proxied requests: {@code sluice_requests_total{rule,method,status}} and the upstream's
 * latency {@code sluice_upstream_seconds}, a histogram.
 *
 * <p>Bounded labels: {@code rule} is a rule of the policy (the one that bound the decision, as in
 * {@code sluice_decisions_total}) or {@code none}; {@code method} one of {@link #METHODS}, anything
 * else {@code OTHER}; {@code status} the class, {@code 1xx} to {@code 5xx}. So a policy of R rules
 * makes at most {@code (R + 1) x 8 x 5} series, every one registered at zero when the policy comes
 * into force ({@link #prepare}).
 *
 * <p>Recording allocates nothing: the counters of a rule are an array indexed by method and class,
 * found by one hash lookup on the rule's name (a {@code String}, whose hash is cached).
 */
final class RequestMetrics {
  /** The methods counted by name; the rest are {@code OTHER}. */
  static final String[] METHODS = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"
  };

  private static final int OTHER = METHODS.length - 1;
  private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

  /**
   * Upstream latency buckets: a fast API answers in milliseconds, a slow report in seconds, and the
   * default upstream timeout is 30 s, so 5 ms to 30 s, about 2.5x apart.
   */
  static final Duration[] UPSTREAM_BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30)
  };

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, Counter[]> byRule = new ConcurrentHashMap<>();
  private final Timer upstream;

  RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.upstream =
        Timer.builder("sluice.upstream")
            .description(
                "Time from forwarding a request (connecting included) to the upstream's answer's"
                    + " head")
            .serviceLevelObjectives(UPSTREAM_BUCKETS)
            .register(registry);
    counters(MeterNames.NO_RULE);
  }

  /** Registers, at zero, the series of every rule named. */
  void prepare(Iterable<String> rules) {
    for (String rule : rules) {
      counters(rule);
    }
  }

  /** The index in {@link #METHODS} of {@code method} (canonical, upper case), or of OTHER. */
  static int methodIndex(String method) {
    if (method == null) {
      return OTHER;
    }
    return switch (method) {
      case "GET" -> 0;
      case "HEAD" -> 1;
      case "POST" -> 2;
      case "PUT" -> 3;
      case "DELETE" -> 4;
      case "PATCH" -> 5;
      case "OPTIONS" -> 6;
      default -> OTHER;
    };
  }

  /**
   * Counts a request answered with {@code status}.
   *
   * @param rule the rule that bound its decision, or {@code none} (also when it was not decided)
   * @param method an index from {@link #methodIndex}
   * @param upstreamNanos the upstream's time to answer, or a negative number when not forwarded
   */
  void record(String rule, int method, int status, long upstreamNanos) {
    Counter[] c = byRule.get(rule);
    if (c == null) {
      c = counters(rule);
    }
    int cls = Math.min(CLASSES.length - 1, Math.max(0, status / 100 - 1));
    c[method * CLASSES.length + cls].increment();
    if (upstreamNanos >= 0) {
      upstream.record(upstreamNanos, TimeUnit.NANOSECONDS);
    }
  }

  private Counter[] counters(String rule) {
    return byRule.computeIfAbsent(rule, this::register);
  }

  private Counter[] register(String rule) {
    Counter[] c = new Counter[METHODS.length * CLASSES.length];
    for (int m = 0; m < METHODS.length; m++) {
      for (int s = 0; s < CLASSES.length; s++) {
        c[m * CLASSES.length + s] =
            Counter.builder("sluice.requests")
                .description("Requests the proxy answered, by rule, method and status class")
                .tag(MeterNames.RULE, rule)
                .tag("method", METHODS[m])
                .tag(MeterNames.STATUS, CLASSES[s])
                .register(registry);
      }
    }
    return c;
  }
}
