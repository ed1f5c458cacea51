package dev.sluice.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Natural batching of script calls: at most {@code maxInFlight} calls wait for Redis at once;
 * charges that arrive meanwhile queue, and the next call takes up to {@code maxBatch} of them.
 *
 * <p>No timer: a batch is sent as soon as a call slot is free, so an idle store sends each charge
 * at once, and a busy one sends batches as large as the load makes them. Lost wake-ups cannot
 * happen: a submitter enqueues, then tries to send; a finishing call frees its slot, then tries to
 * send; whichever comes second sees the other's change.
 *
 * <p>A charge still queued when its timeout passes is taken out (it fails, and is never sent), so
 * none waits longer than the store's timeout for a slot.
 */
final class Batcher {

  /** One charge's part: the buckets {@code members} of {@code plan}. */
  record Call(RedisStore.Plan plan, int[] members) {}

  private static final class Pending {
    final Call call;
    final CompletableFuture<RedisStore.SlotResult> result = new CompletableFuture<>();

    Pending(Call call) {
      this.call = call;
    }
  }

  private final RedisStore store;
  private final int maxInFlight;
  private final int maxBatch;
  private final Duration timeout;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  Batcher(RedisStore store, int maxInFlight, int maxBatch, Duration timeout) {
    this.store = store;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.timeout = timeout;
  }

  CompletableFuture<RedisStore.SlotResult> submit(Call call) {
    Pending p = new Pending(call);
    queue.add(p);
    drain();
    // Bounds the wait for a slot too; a charge that times out while queued is never sent.
    return p.result.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void drain() {
    while (!queue.isEmpty()) {
      int f = inFlight.get();
      if (f >= maxInFlight) {
        return;
      }
      if (!inFlight.compareAndSet(f, f + 1)) {
        continue;
      }
      List<Pending> batch = new ArrayList<>(Math.min(maxBatch, 16));
      for (Pending p; batch.size() < maxBatch && (p = queue.poll()) != null; ) {
        if (!p.result.isDone()) { // timed out while queued: drop it
          batch.add(p);
        }
      }
      if (batch.isEmpty()) {
        inFlight.decrementAndGet();
        continue;
      }
      send(batch);
    }
  }

  private void send(List<Pending> batch) {
    List<Call> calls = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      calls.add(p.call);
    }
    CompletableFuture<List<RedisStore.SlotResult>> answer;
    try {
      answer = store.runAll(calls);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((results, failure) -> {
      inFlight.decrementAndGet();
      try {
        Throwable problem = failure;
        if (problem == null && results.size() != batch.size()) {
          problem = new IllegalStateException("Redis answered " + results.size() + " charges of "
              + batch.size());
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
