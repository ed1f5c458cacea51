package dev.sluice.server.ops;

import dev.sluice.core.Decision;
import dev.sluice.core.Ticker;
import dev.sluice.core.policy.Policy;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Takes decisions off the hot path to whatever reports on them (usage, near-limit table, webhooks,
 * the dashboard's rates).
 *
 * <p>Implementation notes. An event loop hands each decision over with {@link #record}: one
 * bounded, lock-free enqueue (a {@link ConcurrentLinkedQueue} node, and a CAS on the size), never a
 * lock, never a wait. When {@code capacity} decisions are waiting, further ones are dropped and
 * counted ({@link #dropped}) rather than queued: reporting falls behind, requests never do. One
 * daemon thread drains the queue and runs every {@link Sink} in turn, so the sinks are
 * single-threaded by construction and need no locks among themselves (readers on other threads
 * synchronise with the sink they read). When the queue is empty the thread naps 10 ms and drains
 * again (at most a few hundred decisions wait meanwhile); only after 50 ms without a decision does
 * it sleep, saying so in a volatile flag, and only then does a producer unpark it. So a busy
 * gateway makes no system call per request (waking the thread per decision cost a context switch
 * each: the drain outpaces the requests).
 *
 * <p>{@link #flush} puts a barrier in the queue and completes when the thread reaches it: every
 * decision recorded before the call has then been reported. The admin API answers after a flush, so
 * what it shows includes the requests that were answered before it was asked.
 */
final class Recorder implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("sluice.ops");
  private static final long IDLE_PARK_NANOS = 50_000_000L;

  /** A nap between drains while decisions keep coming: short, and no producer has to wake it. */
  private static final long NAP_NANOS = 10_000_000L;

  /** Naps in a row with nothing to do before the thread sleeps and asks to be woken. */
  private static final int NAPS_BEFORE_SLEEP = 5;

  /** What reports on decisions; called on the recorder's thread only. */
  interface Sink {
    /**
     * @param policy the policy that decided
     * @param d the decision
     * @param buckets its buckets ({@link Decision#buckets()}, computed once for every sink)
     * @param nowMicros when it was decided (the store's time, or the recorder's clock)
     */
    void accept(Policy policy, Decision d, List<Decision.Bucket> buckets, long nowMicros);
  }

  private record Event(Policy policy, Decision decision) {}

  private record Barrier(CompletableFuture<Void> reached) {}

  private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final LongAdder dropped = new LongAdder();
  private final int capacity;
  private final Ticker clock;
  private final List<Sink> sinks;
  private final Thread thread;
  private volatile boolean sleeping;
  private volatile boolean running = true;
  private long lastErrorLogNanos;

  Recorder(int capacity, Ticker clock, List<Sink> sinks) {
    this.capacity = capacity;
    this.clock = clock;
    this.sinks = List.copyOf(sinks);
    this.thread = new Thread(this::run, "sluice-ops-recorder");
    thread.setDaemon(true);
    thread.start();
  }

  /** Hands {@code d} over for reporting; never blocks. */
  void record(Policy policy, Decision d) {
    if (size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      dropped.increment();
      return;
    }
    queue.offer(new Event(policy, d));
    if (sleeping) {
      LockSupport.unpark(thread);
    }
  }

  /** Completes once every decision recorded before this call has been reported. */
  CompletableFuture<Void> flush() {
    Barrier b = new Barrier(new CompletableFuture<>());
    if (!running) {
      b.reached.complete(null);
      return b.reached;
    }
    queue.offer(b);
    LockSupport.unpark(thread);
    return b.reached;
  }

  /** Decisions dropped because the queue was full. */
  long dropped() {
    return dropped.sum();
  }

  private void run() {
    int emptyNaps = 0;
    while (running) {
      Object item = queue.poll();
      if (item == null) {
        // Drained. While decisions keep coming, nap briefly and drain again: a producer never
        // has to wake this thread, which would cost a system call and a context switch per
        // request (the drain is faster than the requests, so it would sleep after each one).
        // Only after NAPS_BEFORE_SLEEP empty naps (50 ms of quiet) does it sleep and ask to be
        // woken.
        if (++emptyNaps < NAPS_BEFORE_SLEEP) {
          LockSupport.parkNanos(this, NAP_NANOS);
          continue;
        }
        sleeping = true;
        if (queue.isEmpty() && running) {
          LockSupport.parkNanos(this, IDLE_PARK_NANOS);
        }
        sleeping = false;
        emptyNaps = 0;
        continue;
      }
      emptyNaps = 0;
      if (item instanceof Barrier b) {
        b.reached.complete(null);
        continue;
      }
      size.decrementAndGet();
      Event e = (Event) item;
      report(e.policy, e.decision);
    }
    for (Object item; (item = queue.poll()) != null; ) {
      if (item instanceof Barrier b) {
        b.reached.complete(null);
      }
    }
  }

  private void report(Policy policy, Decision d) {
    try {
      List<Decision.Bucket> buckets =
          d.limits().isEmpty() && d.shadowLimits().isEmpty() ? List.of() : d.buckets();
      long now = d.nowMicros() > 0 ? d.nowMicros() : clock.epochMicros();
      for (Sink s : sinks) {
        s.accept(policy, d, buckets, now);
      }
    } catch (RuntimeException e) {
      long t = System.nanoTime();
      if (t - lastErrorLogNanos > 10_000_000_000L || lastErrorLogNanos == 0) {
        lastErrorLogNanos = t;
        LOG.log(Level.ERROR, "reporting a decision failed (logged at most every 10 s)", e);
      }
    }
  }

  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
