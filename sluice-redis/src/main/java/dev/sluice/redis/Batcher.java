package dev.sluice.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Natural batching of script calls: at most {@code maxInFlight} calls wait for Redis at once;
 * charges that arrive meanwhile queue, and the next call takes up to {@code maxBatch} of them.
 *
 * <p>No batching timer: an idle store sends each charge at once, and a busy one sends batches as
 * large as the load makes them. <b>When a call may leave.</b> With no call in flight, at once. With
 * calls in flight and a slot free, only once at least as many charges wait as an in-flight call
 * carries on average; until then they wait for company, or for an answer, whose drain sends them.
 * Without that rule, the first charge to find a slot free went alone: a call of one charge costs
 * Redis nearly as much as one of twenty (its script invocation and {@code TIME}), holds a slot for
 * a whole round trip, and its answer releases one caller at a time, so calls of one fed themselves;
 * at 64 requests in flight, 15% of the calls carried a single charge. With it, calls stay balanced,
 * and throughput at 64 in flight rose by 40% on one bucket, 20% on IPTO (measured when the rule
 * came in; see BENCHMARKS.md's history in git). A lone caller still never waits: its call is the
 * only one.
 *
 * <p>Lost wake-ups cannot happen: a submitter enqueues, then tries to send; a finishing call frees
 * its slot, then tries to send; whichever comes second sees the other's change. A charge held back
 * by the rule has a call in flight ahead of it, whose answer (or deadline) drains the queue again
 * (an answer drains before it hands its results to their callers, whose callbacks may take their
 * time, and again after); the last call in flight to finish finds no call in flight, and sends.
 *
 * <p><b>Deadlines.</b> Each charge must be answered within the store's timeout of its submission,
 * queued or sent. One deadline timer per <em>call</em>, set to the earliest deadline among its
 * charges, fails them all when it passes and frees the call's slot (the command's own late answer
 * is then ignored); a timer per charge cost a scheduling and a cancellation on the JDK's shared
 * delay queue for every request. A charge still queued at its deadline is failed when it is taken
 * off the queue, and is never sent. Slots free up at the latest at the deadlines of the calls
 * holding them, which were sent before the queued charges arrived, so a queued charge is not held
 * past its own deadline either. (A charge batched with an older one may fail a little before its
 * own deadline, when that older one's passes: only while Redis is not answering.)
 */
final class Batcher {

  /** One charge's part: the buckets {@code members} of {@code plan}. */
  record Call(RedisStore.Plan plan, int[] members) {}

  private static final class Pending {
    final Call call;
    final long deadline; // System.nanoTime() by which it is answered, one way or the other
    final CompletableFuture<RedisStore.SlotResult> result = new CompletableFuture<>();

    Pending(Call call, long deadline) {
      this.call = call;
      this.deadline = deadline;
    }
  }

  /** Sends one script call for a batch: {@link RedisStore#runAll} (a stand-in in unit tests). */
  private final Function<List<Call>, CompletableFuture<List<RedisStore.SlotResult>>> run;

  private final int maxInFlight;
  private final int maxBatch;
  private final Duration timeout;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  /** Charges in the queue, and charges in the calls in flight. */
  private final AtomicInteger queued = new AtomicInteger();

  private final AtomicInteger inCalls = new AtomicInteger();

  Batcher(
      Function<List<Call>, CompletableFuture<List<RedisStore.SlotResult>>> run,
      int maxInFlight,
      int maxBatch,
      Duration timeout) {
    this.run = run;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.timeout = timeout;
  }

  CompletableFuture<RedisStore.SlotResult> submit(Call call) {
    Pending p = new Pending(call, System.nanoTime() + timeout.toNanos());
    queue.add(p);
    queued.incrementAndGet();
    drain();
    return p.result;
  }

  private void drain() {
    while (!queue.isEmpty()) {
      int f = inFlight.get();
      if (f >= maxInFlight || (f > 0 && (long) queued.get() * f < inCalls.get())) {
        return; // no slot; or fewer waiting than a call in flight carries: wait for more, or its
        // answer
      }
      if (!inFlight.compareAndSet(f, f + 1)) {
        continue;
      }
      List<Pending> batch = new ArrayList<>(Math.min(maxBatch, 16));
      long now = System.nanoTime();
      for (Pending p; batch.size() < maxBatch && (p = queue.poll()) != null; ) {
        queued.decrementAndGet();
        if (now - p.deadline >= 0) { // its time ran out while it queued: never sent
          p.result.completeExceptionally(
              new TimeoutException(
                  "no call to Redis was free within " + timeout.toMillis() + " ms"));
        } else if (!p.result.isDone()) {
          batch.add(p);
        }
      }
      if (batch.isEmpty()) {
        inFlight.decrementAndGet();
        continue;
      }
      inCalls.addAndGet(batch.size());
      send(batch);
    }
  }

  private void send(List<Pending> batch) {
    List<Call> calls = new ArrayList<>(batch.size());
    long earliest = Long.MAX_VALUE;
    for (Pending p : batch) {
      calls.add(p.call);
      earliest = Math.min(earliest, p.deadline);
    }
    long untilEarliest = earliest - System.nanoTime();
    AtomicBoolean slotFreed = new AtomicBoolean();
    CompletableFuture<Void> deadline =
        new CompletableFuture<Void>().orTimeout(Math.max(0, untilEarliest), TimeUnit.NANOSECONDS);
    deadline.whenComplete(
        (ignored, expired) -> {
          if (expired == null) {
            return; // the call was answered first, and cancelled this timer
          }
          for (Pending p : batch) {
            p.result.completeExceptionally(
                new TimeoutException("Redis did not answer within " + timeout.toMillis() + " ms"));
          }
          if (slotFreed.compareAndSet(false, true)) {
            inCalls.addAndGet(-batch.size());
            inFlight.decrementAndGet();
            drain();
          }
        });
    CompletableFuture<List<RedisStore.SlotResult>> answer;
    try {
      answer = run.apply(calls);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete(
        (results, failure) -> {
          deadline.complete(null); // cancels the timer, if it has not fired
          if (slotFreed.compareAndSet(false, true)) {
            inCalls.addAndGet(-batch.size());
            inFlight.decrementAndGet();
            drain(); // charges held for this answer leave now, not after its callers' callbacks
          }
          try {
            Throwable problem = failure;
            if (problem == null && results.size() != batch.size()) {
              problem =
                  new IllegalStateException(
                      "Redis answered " + results.size() + " charges of " + batch.size());
            }
            for (int i = 0; i < batch.size(); i++) {
              if (problem != null) {
                batch.get(i).result.completeExceptionally(problem);
              } else {
                batch.get(i).result.complete(results.get(i));
              }
            }
          } finally {
            drain(); // whatever happened above, the next batch goes
          }
        });
  }
}
