package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LongBucketMapConcurrencyTest {

  /**
   * Readers never see another key's bucket, and never lose a key, while writers insert enough keys
   * to resize every segment many times.
   */
  @Test
  void readersDuringResizes_findEveryPublishedKey_withItsOwnBucket() throws InterruptedException {
    LongBucketMap map = new LongBucketMap();
    int keys = 200_000;
    long[][] buckets = new long[keys][];
    for (int i = 0; i < keys; i++) {
      buckets[i] = new long[] {key(i)}; // each bucket carries its key, so a mix-up shows
    }
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch start = new CountDownLatch(1);
    Thread writer =
        new Thread(
            () -> {
              await(start);
              for (int i = 0; i < keys; i++) {
                map.putIfAbsent(key(i), buckets[i]);
              }
            });
    Thread reader =
        new Thread(
            () -> {
              await(start);
              try {
                for (int round = 0; round < 50 && writer.isAlive(); round++) {
                  for (int i = 0; i < keys; i += 97) {
                    long[] b = map.get(key(i));
                    if (b != null && b[0] != key(i)) {
                      throw new AssertionError("key " + key(i) + " read the bucket of " + b[0]);
                    }
                  }
                }
              } catch (Throwable t) {
                failure.set(t);
              }
            });
    writer.start();
    reader.start();
    start.countDown();
    writer.join(TimeUnit.SECONDS.toMillis(30));
    reader.join(TimeUnit.SECONDS.toMillis(30));

    assertThat(writer.isAlive() || reader.isAlive()).as("finished in time").isFalse();
    assertThat(failure.get()).isNull();
    for (int i = 0; i < keys; i++) {
      assertThat(map.get(key(i))).isSameAs(buckets[i]);
    }
  }

  private static long key(int i) {
    return (i + 1) * 0x9E3779B97F4A7C15L;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
