package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue #22's scenario in simulated time, on the pacer alone: a fixed-window API of 20 requests per
 * 10 s (windows on the epoch) that sends {@code X-RateLimit-Limit} and {@code -Remaining} but no
 * reset, and on a 429 a {@code Retry-After} in whole seconds rounded up; 20 threads share one pacer
 * and send 300 requests, retrying each 429. The pacer is not told the window (or is told it, for
 * {@code assumingWindow}): it must learn it, meet only a handful of 429s, and finish close to the
 * ideal time.
 */
class ResetlessWindowSimulationTest {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000 * MS;
  private static final int LIMIT = 20;
  private static final long WINDOW = 10 * SECOND;
  private static final int THREADS = 20;
  private static final int REQUESTS = 300;

  record Outcome(int refused, int admitted, long elapsedNanos, int mostInAWindow) {}

  @ParameterizedTest(name = "phase {0} ms, latency up to {1} ms, seed {2}, assumed window {3} s")
  @CsvSource({
    "0, 2, 1, 0",
    "3300, 2, 2, 0",
    "7900, 20, 3, 0",
    "9990, 5, 4, 0",
    "5000, 50, 5, 0",
    "0, 2, 1, 10",
    "3300, 2, 2, 10",
    "7900, 20, 3, 10",
    "9990, 5, 4, 10",
    "5000, 50, 5, 10",
  })
  void resetlessApi_neverOverAdmitted_fewRefusals_finishesWithinTenPercentOfTheIdealTime(
      long phaseMs, long latencyMs, long seed, long assumedSeconds) {
    Pacer pacer = new Pacer(assumedSeconds > 0 ? assumedSeconds * SECOND : -1);
    Outcome o = simulate(pacer, phaseMs * MS, latencyMs * MS, new Random(seed));

    long firstWindowLeft = WINDOW - (phaseMs * MS) % WINDOW;
    long ideal = firstWindowLeft + (REQUESTS / LIMIT - 1) * WINDOW; // the last window's start
    System.out.printf(
        "phase %d ms: %d refused, %.1f s (ideal %.1f s), at most %d in a window; %s%n",
        phaseMs, o.refused(), o.elapsedNanos() / 1e9, ideal / 1e9, o.mostInAWindow(), pacer);
    assertThat(o.admitted()).isEqualTo(REQUESTS);
    assertThat(o.mostInAWindow()).isLessThanOrEqualTo(LIMIT);
    if (assumedSeconds > 0) {
      assertThat(o.refused())
          .as("told the window: the first probe's 429, about")
          .isLessThanOrEqualTo(2);
    } else {
      // Learning the window from whole-second Retry-Afters costs a 429 in some windows until the
      // estimate settles: at most 5% of the requests (issue #22's target for the full run).
      assertThat(o.refused()).as("not told the window").isLessThanOrEqualTo(REQUESTS / 20);
    }
    assertThat(o.elapsedNanos())
        .as("within 10%% of the ideal %d s", ideal / SECOND)
        .isLessThanOrEqualTo(ideal + ideal / 10);
  }

  private enum Kind {
    WANT,
    SLOT,
    ARRIVE,
    ANSWER
  }

  private record Event(long time, long seq, Kind kind, long slot, long epoch, int status, long r) {}

  static Outcome simulate(Pacer pacer, long phase, long maxLatency, Random random) {
    long start = 1_000_000 * SECOND + phase;
    PriorityQueue<Event> events =
        new PriorityQueue<>(Comparator.comparingLong(Event::time).thenComparingLong(Event::seq));
    long seq = 0;
    for (int t = 0; t < THREADS; t++) {
      events.add(new Event(start, seq++, Kind.WANT, 0, 0, 0, 0));
    }
    Map<Long, Integer> admittedIn = new HashMap<>();
    int started = 0;
    int admitted = 0;
    int refused = 0;
    long last = start;
    while (!events.isEmpty()) {
      Event e = events.poll();
      long now = e.time();
      switch (e.kind()) {
        case WANT -> {
          if (e.status() == 429 || started < REQUESTS) {
            if (e.status() != 429) {
              started++;
            }
            long epoch = pacer.epoch();
            long slot = pacer.reserve(now, now + 60 * SECOND);
            events.add(new Event(slot, seq++, Kind.SLOT, slot, epoch, 0, 0));
          }
        }
        case SLOT -> {
          long epoch = pacer.epoch();
          long slot = pacer.confirm(now, e.slot(), e.epoch(), now + 60 * SECOND);
          if (slot != e.slot()) {
            events.add(new Event(slot, seq++, Kind.SLOT, slot, epoch, 0, 0));
          } else {
            events.add(
                new Event(now + latency(random, maxLatency), seq++, Kind.ARRIVE, 0, 0, 0, 0));
          }
        }
        case ARRIVE -> {
          long index = Math.floorDiv(now, WINDOW);
          int used = admittedIn.getOrDefault(index, 0);
          boolean ok = used < LIMIT;
          if (ok) {
            admittedIn.put(index, ++used);
          }
          long retryAfter = -Math.floorDiv(-((index + 1) * WINDOW - now), SECOND) * SECOND;
          events.add(
              new Event(
                  now + latency(random, maxLatency),
                  seq++,
                  Kind.ANSWER,
                  0,
                  0,
                  ok ? 200 : 429,
                  ok ? LIMIT - used : retryAfter));
        }
        case ANSWER -> {
          if (e.status() == 200) {
            admitted++;
            pacer.record(now, LIMIT, e.r(), Pacer.NONE, -1);
            last = now;
          } else {
            refused++;
            pacer.refused(now, LIMIT, now + e.r(), -1);
          }
          events.add(new Event(now, seq++, Kind.WANT, 0, 0, e.status(), 0));
        }
        default -> throw new AssertionError(e);
      }
    }
    int most = admittedIn.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    return new Outcome(refused, admitted, last - start, most);
  }

  private static long latency(Random random, long max) {
    return max == 0 ? 0 : (long) (random.nextDouble() * max);
  }
}
