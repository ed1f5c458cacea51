package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a body on several threads released together, bounded in time: the test fails (with the stuck
 * threads' stacks) if they have not all finished within the timeout, and rethrows the first failure
 * of any thread. Threads are daemons, so a deadlocked one cannot keep the JVM alive.
 */
public final class Concurrently {

  /** The body of one thread; {@code thread} is its index, 0 to {@code threads - 1}. */
  @FunctionalInterface
  public interface Body {
    void run(int thread) throws Exception;
  }

  private Concurrently() {}

  /** Runs {@code body} on {@code threads} threads at once; waits at most {@code timeout}. */
  public static void run(int threads, Duration timeout, Body body) {
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread[] ts = new Thread[threads];
    for (int i = 0; i < threads; i++) {
      int index = i;
      ts[i] =
          new Thread(
              () -> {
                try {
                  start.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
                  body.run(index);
                } catch (Throwable t) {
                  failure.compareAndSet(null, t);
                }
              },
              "concurrently-" + i);
      ts[i].setDaemon(true);
      ts[i].start();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : ts) {
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting for the threads");
      }
    }
    StringBuilder stuck = new StringBuilder();
    for (Thread t : ts) {
      if (t.isAlive()) {
        stuck.append('\n').append(t.getName()).append(Arrays.toString(t.getStackTrace()));
        t.interrupt();
      }
    }
    if (stuck.length() > 0) {
      fail("threads still running after " + timeout + " (deadlock or livelock?):" + stuck);
    }
    if (failure.get() != null) {
      throw new AssertionError("a thread failed: " + failure.get(), failure.get());
    }
  }
}
