package dev.sluice.server;

import dev.sluice.core.policy.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * How {@code sluice serve} stops, in three phases, so that a load balancer in front never sends a
 * request to an instance that no longer takes it:
 *
 * <ol>
 *   <li><b>Withdraw</b> ({@code --shutdown-grace}, default 5 s): {@code /readyz} fails at once, and
 *       every request is still served as before, new connections included. Load balancers and the
 *       kubelet see the instance unready on their next probe and stop routing to it; the grace
 *       should be longer than their probe period times the failures they wait for (Kubernetes also
 *       removes a terminating pod from its endpoints by itself, with a delay of its own).
 *   <li><b>Drain</b> ({@code --drain}, default 10 s): the ports stop accepting; requests in flight
 *       finish, their answers carrying {@code Connection: close}; idle kept-alive connections are
 *       closed; what is left at the end is answered 503.
 *   <li><b>Close</b>: the store and everything else.
 * </ol>
 *
 * A second request to stop during the grace (a second SIGTERM, or Ctrl-C) ends the grace at once
 * and goes on to the drain; so does the first one when it asks to skip it ({@code SIGINT}: a person
 * at a terminal, with no load balancer to wait for). The grace is waited on a latch, so a test ends
 * it by asking again rather than by waiting for a clock.
 *
 * <p>Each phase is logged as it begins. {@link #run} is idempotent: the signal handler's thread,
 * the main thread and the JVM's shutdown hook may all reach it; the first runs it, the others wait
 * for it to end.
 */
final class ShutdownSequence {
  private final Runnable withdraw;
  private final Runnable drain;
  private final Runnable close;
  private final Duration grace;
  private final Duration drainTime;
  private final Consumer<String> log;

  private final CountDownLatch requested = new CountDownLatch(1);
  private final CountDownLatch graceOver = new CountDownLatch(1);
  private boolean done;

  /**
   * @param withdraw makes readiness fail (the gateway's {@code withdraw})
   * @param drain stops accepting and drains, returning when done (the gateway's {@code close})
   * @param close closes the rest (the store...)
   * @param log where each phase is told
   */
  ShutdownSequence(
      Runnable withdraw,
      Runnable drain,
      Runnable close,
      Duration grace,
      Duration drainTime,
      Consumer<String> log) {
    this.withdraw = Objects.requireNonNull(withdraw, "withdraw");
    this.drain = Objects.requireNonNull(drain, "drain");
    this.close = Objects.requireNonNull(close, "close");
    this.grace = Objects.requireNonNull(grace, "grace");
    this.drainTime = Objects.requireNonNull(drainTime, "drainTime");
    this.log = Objects.requireNonNull(log, "log");
  }

  /** {@code d} as an option takes it: {@code 1h}, {@code 5s}, {@code 250ms}. */
  static String text(Duration d) {
    String label = Durations.label(d);
    return switch (label) {
      case "second" -> "1s";
      case "minute" -> "1m";
      case "hour" -> "1h";
      case "day" -> "1d";
      default -> label;
    };
  }

  /**
   * Asks to stop (from a signal's handler: it returns at once). Asked again, or with {@code
   * skipGrace}, the grace ends now.
   */
  void request(boolean skipGrace) {
    if (requested.getCount() == 0 || skipGrace) {
      graceOver.countDown();
    }
    requested.countDown();
  }

  /** Waits until {@link #request} is called. */
  void awaitRequest() throws InterruptedException {
    requested.await();
  }

  /** Runs the three phases, once; returns when the last is over. */
  synchronized void run() {
    if (done) {
      return;
    }
    done = true;
    withdraw.run();
    if (!grace.isZero() && graceOver.getCount() > 0) {
      log.accept(
          "stopping: /readyz now fails, requests are still served for "
              + text(grace)
              + " (--shutdown-grace) while load balancers take this instance out; stop again to"
              + " skip");
      try {
        graceOver.await(grace.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // go on stopping: it was asked for
      }
    } else {
      log.accept("stopping: /readyz now fails");
    }
    log.accept(
        "stopping: no longer accepting connections; draining requests in flight (up to "
            + text(drainTime)
            + ", --drain)");
    drain.run();
    log.accept("stopping: drained; closing the store");
    close.run();
    log.accept("stopped");
  }
}
