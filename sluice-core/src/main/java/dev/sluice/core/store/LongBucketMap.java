package dev.sluice.core.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A concurrent map from {@code long} keys (hashed identities) to buckets: the in-memory store's
 * hot-path index, in place of a {@code ConcurrentHashMap<Long, long[]>}.
 *
 * <h2>Implementation notes</h2>
 *
 * Why not {@code ConcurrentHashMap}: every lookup boxed its key (an allocation) and followed three
 * pointers before reaching the bucket (table slot, node, boxed key), each a likely cache miss with
 * a million live keys; and each entry cost a 32-byte node and a 16-byte key. Here an entry is a
 * slot in two parallel arrays, {@code keys[i]} and {@code values[i]}: 12 bytes at full load.
 *
 * <p><b>Structure.</b> {@value #SEGMENTS} segments chosen by the key's top bits, each an
 * open-addressing table with linear probing indexed by the key's low bits (keys are already
 * well-mixed hashes). Key 0 marks an empty slot, so the one identity that hashes to 0 lives in a
 * field of its own.
 *
 * <p><b>Reads are lock-free.</b> A slot's key, once written, never changes: removal clears only the
 * value, leaving a tombstone that keeps probe chains intact and that only the same key may reuse. A
 * writer stores the value, then the key with release semantics; a reader loads the key with acquire
 * semantics, then the value. So a reader that finds its key reads either that key's bucket or
 * {@code null} (removed), never another key's bucket. A reader may see a dead bucket (removed by a
 * sweep after the reader loaded it): the store's lock then reports it dead and the store looks
 * again. A miss is not trusted: {@link #putIfAbsent} re-checks under the segment's lock, which also
 * covers a reader still probing a table that a resize has replaced.
 *
 * <p><b>Writes lock their segment</b> ({@code synchronized}): inserts of new keys and removals by
 * sweeps, both off the hot path of a key already seen. A table is resized (doubled, tombstones
 * dropped) when its used slots, tombstones included, would pass 3/4 of its capacity; the new table
 * is published with one volatile write, and the old one is never written again.
 */
final class LongBucketMap {
  static final int SEGMENTS = 16;
  private static final int SEGMENT_SHIFT = 64 - Integer.numberOfTrailingZeros(SEGMENTS);
  private static final int INITIAL_CAPACITY = 16;
  private static final VarHandle KEYS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[][].class);

  private final Segment[] segments = new Segment[SEGMENTS];
  private volatile long[] zeroKeyBucket;

  LongBucketMap() {
    for (int i = 0; i < SEGMENTS; i++) {
      segments[i] = new Segment();
    }
  }

  /** The bucket for {@code key}, or {@code null}. Lock-free. */
  long[] get(long key) {
    if (key == 0) {
      return zeroKeyBucket;
    }
    Table t = segments[(int) (key >>> SEGMENT_SHIFT)].table;
    int mask = t.keys.length - 1;
    for (int i = (int) key & mask; ; i = (i + 1) & mask) {
      long k = (long) KEYS.getAcquire(t.keys, i);
      if (k == key) {
        return (long[]) VALUES.getAcquire(t.values, i);
      }
      if (k == 0) {
        return null;
      }
    }
  }

  /** Maps {@code key} to {@code bucket} unless it has a bucket; returns that one, or null. */
  long[] putIfAbsent(long key, long[] bucket) {
    if (key == 0) {
      synchronized (this) {
        long[] prior = zeroKeyBucket;
        if (prior == null) {
          zeroKeyBucket = bucket;
        }
        return prior;
      }
    }
    return segments[(int) (key >>> SEGMENT_SHIFT)].putIfAbsent(key, bucket);
  }

  /** Removes {@code key} if it still maps to {@code bucket}. */
  void remove(long key, long[] bucket) {
    if (key == 0) {
      synchronized (this) {
        if (zeroKeyBucket == bucket) {
          zeroKeyBucket = null;
        }
      }
      return;
    }
    segments[(int) (key >>> SEGMENT_SHIFT)].remove(key, bucket);
  }

  /** Kills and removes every bucket expired at {@code now} (see {@link Buckets#tryKill}). */
  int sweep(long now) {
    int removed = 0;
    long[] z = zeroKeyBucket;
    if (z != null && Buckets.tryKill(z, now)) {
      remove(0, z);
      removed++;
    }
    for (Segment s : segments) {
      Table t = s.table;
      for (int i = 0; i < t.keys.length; i++) {
        long[] b = (long[]) VALUES.getAcquire(t.values, i);
        if (b != null && Buckets.tryKill(b, now)) {
          s.remove((long) KEYS.getAcquire(t.keys, i), b);
          removed++;
        }
      }
    }
    return removed;
  }

  /** Live entries (for tests and metrics; takes every segment's lock). */
  int size() {
    int n = zeroKeyBucket == null ? 0 : 1;
    for (Segment s : segments) {
      synchronized (s) {
        n += s.live;
      }
    }
    return n;
  }

  private static final class Table {
    final long[] keys;
    final long[][] values;

    Table(int capacity) {
      keys = new long[capacity];
      values = new long[capacity][];
    }
  }

  private static final class Segment {
    volatile Table table = new Table(INITIAL_CAPACITY);
    int used; // slots with a key, tombstones included
    int live; // slots with a value

    synchronized long[] putIfAbsent(long key, long[] bucket) {
      Table t = table;
      int mask = t.keys.length - 1;
      int i = (int) key & mask;
      for (long k; (k = t.keys[i]) != 0; i = (i + 1) & mask) {
        if (k == key) {
          long[] prior = t.values[i];
          if (prior == null) { // our own tombstone: revive it
            VALUES.setRelease(t.values, i, bucket);
            live++;
          }
          return prior;
        }
      }
      if ((used + 1) * 4 > t.keys.length * 3) {
        t = resize(t);
        mask = t.keys.length - 1;
        i = (int) key & mask;
        while (t.keys[i] != 0) {
          i = (i + 1) & mask;
        }
      }
      t.values[i] = bucket;
      KEYS.setRelease(t.keys, i, key); // publishes the value too
      used++;
      live++;
      return null;
    }

    synchronized void remove(long key, long[] bucket) {
      Table t = table;
      int mask = t.keys.length - 1;
      for (int i = (int) key & mask; t.keys[i] != 0; i = (i + 1) & mask) {
        if (t.keys[i] == key) {
          if (t.values[i] == bucket) {
            VALUES.setRelease(t.values, i, null);
            live--;
          }
          return;
        }
      }
    }

    /** Doubles (or, if mostly tombstones, just rebuilds) the table; caller holds the lock. */
    private Table resize(Table old) {
      int capacity = old.keys.length;
      if ((live + 1) * 2 > capacity) {
        capacity *= 2;
      }
      Table t = new Table(capacity);
      int mask = capacity - 1;
      for (int j = 0; j < old.keys.length; j++) {
        long[] v = old.values[j];
        if (v != null) {
          int i = (int) old.keys[j] & mask;
          while (t.keys[i] != 0) {
            i = (i + 1) & mask;
          }
          t.keys[i] = old.keys[j];
          t.values[i] = v;
        }
      }
      used = live;
      table = t; // volatile: publishes the filled arrays
      return t;
    }
  }
}
