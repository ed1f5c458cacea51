package dev.sluice.server.simulate;

/**
 * The lines waiting to be replayed, in time order (then line order). Logs are almost in order, so a
 * line is appended and moved back past the few later lines before it: constant time for a line in
 * order, where a heap would pay its logarithm on every line.
 */
final class ReorderBuffer {
  private LogLine[] ring = new LogLine[1024];
  private int head;
  private int size;

  boolean isEmpty() {
    return size == 0;
  }

  /** The earliest line; the buffer must not be empty. */
  LogLine peek() {
    return ring[head];
  }

  LogLine poll() {
    LogLine l = ring[head];
    ring[head] = null;
    head = (head + 1) & (ring.length - 1);
    size--;
    return l;
  }

  void add(LogLine l) {
    if (size == ring.length) {
      LogLine[] bigger = new LogLine[ring.length * 2];
      for (int i = 0; i < size; i++) {
        bigger[i] = ring[(head + i) & (ring.length - 1)];
      }
      ring = bigger;
      head = 0;
    }
    int mask = ring.length - 1;
    int i = size++;
    while (i > 0) {
      LogLine before = ring[(head + i - 1) & mask];
      if (before.timeMicros < l.timeMicros
          || (before.timeMicros == l.timeMicros && before.number <= l.number)) {
        break;
      }
      ring[(head + i) & mask] = before;
      i--;
    }
    ring[(head + i) & mask] = l;
  }
}
