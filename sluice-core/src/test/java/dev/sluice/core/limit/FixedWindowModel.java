package dev.sluice.core.limit;

import java.util.HashMap;
import java.util.Map;

/**
 * Fixed window, from its definition: a count per window index {@code floor(t / W)}, nothing carried
 * from one index to the next.
 */
final class FixedWindowModel implements ReferenceModel {
  private final long permits;
  private final long window;
  private final Map<Long, Long> counts = new HashMap<>();

  FixedWindowModel(long permits, long windowMicros) {
    this.permits = permits;
    this.window = windowMicros;
  }

  @Override
  public Expected evaluate(long now, long cost) {
    long index = Math.floorDiv(now, window);
    long count = counts.getOrDefault(index, 0L);
    long nextBoundary = (index + 1) * window;
    long standing = count == 0 ? now : nextBoundary; // nothing counted: fully available now
    if (count + cost <= permits) {
      long after = count + cost;
      return Expected.allowed(permits - after, after == 0 ? now : nextBoundary, standing);
    }
    return Expected.denied(
        permits - count, standing, cost > permits ? Evaluation.NEVER : nextBoundary);
  }

  @Override
  public void commit(long now, long cost) {
    counts.merge(Math.floorDiv(now, window), cost, Long::sum);
  }
}
