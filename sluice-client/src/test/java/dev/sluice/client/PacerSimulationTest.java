package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Gen;
import dev.sluice.testing.Property;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pacer against a simulated fixed-window server, in simulated time: many threads share one
 * pacer, requests take a random time each way, and the server says what servers say. The pacer must
 * never let the server refuse a request, and must use most of what each window allows.
 */
class PacerSimulationTest {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000 * MS;

  /** How the server states its reset. */
  enum Reset {
    /** An absolute instant ({@code X-RateLimit-Reset} epoch seconds on aligned windows). */
    EXACT,
    /** The same, with the window's length ({@code RateLimit-Policy} {@code w}). */
    EXACT_WITH_WINDOW,
    /** Whole seconds from now, rounded up (IETF {@code t}): late by up to a second. */
    WHOLE_SECONDS,
    /** The same, with the window's length. */
    WHOLE_SECONDS_WITH_WINDOW
  }

  record Outcome(int refused, int admitted, long elapsedNanos) {}

  /** A server's limit and window, the client's threads, the network, and the simulation's seed. */
  record Case(
      int limit,
      int threads,
      long windowMs,
      long maxLatencyMs,
      long phaseMs,
      Reset reset,
      long seed) {}

  private static final Gen<Case> CASES =
      s ->
          new Case(
              Gen.ints(1, 100).next(s),
              Gen.ints(1, 30).next(s),
              Gen.longs(500, 10_000).next(s),
              Gen.longs(0, 100).next(s),
              Gen.longs(0, 10_000).next(s),
              Gen.enums(Reset.class).next(s),
              Gen.longs().next(s));

  @Test
  void pacedThreads_neverMeetA429_andFinishInAboutTheTimeTheLimitAllows() {
    Property.check(500, CASES, PacerSimulationTest::pacedThreads);
  }

  private static void pacedThreads(Case c) {
    int limit = c.limit();
    int threads = c.threads();
    long windowMs = c.windowMs();
    long maxLatencyMs = c.maxLatencyMs();
    long phaseMs = c.phaseMs();
    Reset reset = c.reset();
    long seed = c.seed();
    Property.assume(threads <= limit); // the first, unpaced burst must fit: nothing is known yet
    boolean wholeSeconds = reset == Reset.WHOLE_SECONDS || reset == Reset.WHOLE_SECONDS_WITH_WINDOW;
    // second-resolution resets need long windows
    Property.assume(!wholeSeconds || windowMs >= 2000);
    int requests = 4 * limit + threads;

    Outcome o =
        simulate(
            limit,
            threads,
            windowMs * MS,
            maxLatencyMs * MS,
            phaseMs * MS,
            reset,
            new Random(seed),
            requests);

    assertThat(o.refused()).isZero();
    assertThat(o.admitted()).isEqualTo(requests);
    long windows = (requests + limit - 1) / limit + 1; // +1: the first window is partial
    long slackPerWindow = Pacer.GUARD_NANOS + 2 * maxLatencyMs * MS + (wholeSeconds ? SECOND : 0);
    long roundTrips = (long) Math.ceil((double) requests / threads) * 2 * maxLatencyMs * MS;
    assertThat(o.elapsedNanos())
        .as("windows of %d ms", windowMs)
        .isLessThanOrEqualTo(windows * (windowMs * MS + slackPerWindow) + roundTrips);
  }

  /** A thread wants to send; a request arrives at the server; an answer arrives at the client. */
  private enum Kind {
    WANT,
    ARRIVE,
    ANSWER
  }

  private record Event(
      long time,
      long seq,
      Kind kind,
      long servedAt,
      boolean admitted,
      long remaining,
      long windowEnd) {}

  static Outcome simulate(
      int limit,
      int threads,
      long window,
      long maxLatency,
      long phase,
      Reset style,
      Random random,
      int requests) {
    long start = 1_000_000 * SECOND + phase;
    Pacer pacer = new Pacer(-1);
    long policyWindow =
        style == Reset.EXACT_WITH_WINDOW || style == Reset.WHOLE_SECONDS_WITH_WINDOW ? window : -1;
    PriorityQueue<Event> events =
        new PriorityQueue<>(Comparator.comparingLong(Event::time).thenComparingLong(Event::seq));
    long seq = 0;
    for (int t = 0; t < threads; t++) {
      events.add(new Event(start, seq++, Kind.WANT, 0, false, 0, 0));
    }
    Map<Long, Integer> admittedIn = new HashMap<>();
    int sent = 0;
    int admitted = 0;
    int refused = 0;
    long last = start;
    while (!events.isEmpty()) {
      Event e = events.poll();
      long now = e.time();
      switch (e.kind()) {
        case WANT -> {
          if (sent < requests) {
            sent++;
            long slot = pacer.reserve(now, now + 60 * SECOND);
            events.add(
                new Event(slot + latency(random, maxLatency), seq++, Kind.ARRIVE, 0, false, 0, 0));
          }
        }
        case ARRIVE -> { // the server: a fixed window on aligned boundaries
          long index = Math.floorDiv(now, window);
          int used = admittedIn.getOrDefault(index, 0);
          boolean ok = used < limit;
          if (ok) {
            admittedIn.put(index, ++used);
          }
          events.add(
              new Event(
                  now + latency(random, maxLatency),
                  seq++,
                  Kind.ANSWER,
                  now,
                  ok,
                  limit - used,
                  (index + 1) * window));
        }
        case ANSWER -> {
          long wait = ceilSeconds(e.windowEnd() - e.servedAt()); // Retry-After, or IETF t
          long resetAt =
              style == Reset.EXACT || style == Reset.EXACT_WITH_WINDOW ? e.windowEnd() : now + wait;
          if (e.admitted()) {
            admitted++;
            pacer.record(now, limit, e.remaining(), resetAt, policyWindow);
          } else {
            refused++;
            sent--; // the client would retry it
            pacer.record(now, limit, 0, now + wait, policyWindow);
          }
          last = now;
          events.add(new Event(now, seq++, Kind.WANT, 0, false, 0, 0));
        }
        default -> throw new AssertionError(e);
      }
    }
    return new Outcome(refused, admitted, last - start);
  }

  private static long latency(Random random, long max) {
    return max == 0 ? 0 : (long) (random.nextDouble() * max);
  }

  private static long ceilSeconds(long nanos) {
    return -Math.floorDiv(-nanos, SECOND) * SECOND;
  }
}
