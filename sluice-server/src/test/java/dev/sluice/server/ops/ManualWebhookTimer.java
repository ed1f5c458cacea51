package dev.sluice.server.ops;

import dev.sluice.core.ManualTicker;
import java.time.Duration;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * A {@link WebhookTimer} on a {@link ManualTicker}: tasks wait until a test moves the clock past
 * their time ({@link #advance}), and then run on the test's thread, soonest first. Retries hours
 * apart take no time.
 */
public final class ManualWebhookTimer implements WebhookTimer {
  private record Task(long dueMicros, long seq, Runnable run) {}

  private final ManualTicker ticker;
  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(Comparator.comparingLong(Task::dueMicros).thenComparingLong(Task::seq));
  private long seq;

  public ManualWebhookTimer(ManualTicker ticker) {
    this.ticker = ticker;
  }

  @Override
  public synchronized void schedule(Runnable task, long delayMicros) {
    tasks.add(new Task(ticker.epochMicros() + Math.max(0, delayMicros), seq++, task));
  }

  /** Moves the clock by {@code d}, then runs every task due by then. */
  public void advance(Duration d) {
    ticker.advance(d);
    runDue();
  }

  /** Runs every task due by now, soonest first (outside this timer's lock: they schedule more). */
  public void runDue() {
    while (true) {
      Task t;
      synchronized (this) {
        t = tasks.peek();
        if (t == null || t.dueMicros() > ticker.epochMicros()) {
          return;
        }
        tasks.poll();
      }
      t.run().run();
    }
  }
}
