package dev.sluice.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where a {@link Gen} takes its choices from. Every choice is one {@code long} in a range, and the
 * source records them all: the sequence of choices is the whole of a generated value, so the runner
 * can shrink a counter-example by editing the sequence and generating again, whatever the
 * generators built from it (lists, records, flat maps), without knowing their types.
 *
 * <p>A fresh source draws at random, a share of them from the range's edges; a replaying source
 * reads recorded choices (clamped into the range asked, since an edit may have changed what is
 * asked) and, once they run out, answers each range's simplest value.
 */
public final class Source {
  /** Out of 16 edge-biased draws: 2 take an edge, 7 a value near the simplest one, 7 any value. */
  private static final int EDGES = 2;

  private static final int NEAR = 7;

  private final SplittableRandom random; // null when only replaying
  private final long[] recorded;
  private long[] values = new long[32];
  private long[] targets = new long[32];
  private int size;
  private final List<int[]> lists = new ArrayList<>();

  private Source(SplittableRandom random, long[] recorded) {
    this.random = random;
    this.recorded = recorded;
  }

  static Source fresh(long seed) {
    return new Source(new SplittableRandom(seed), new long[0]);
  }

  static Source replay(long[] recorded) {
    return new Source(null, recorded);
  }

  /**
   * One choice in {@code [min, max]}. With {@code edgeBiased}, a fresh draw favours the range's
   * edges and the values near its simplest one, as properties over numbers want; without, it is
   * uniform, as a choice among alternatives with weights must be.
   */
  long draw(long min, long max, boolean edgeBiased) {
    if (min > max) {
      throw new IllegalArgumentException("empty range [" + min + ", " + max + "]");
    }
    long target = simplest(min, max);
    long v;
    if (size < recorded.length) {
      v = Math.max(min, Math.min(max, recorded[size]));
    } else if (random == null) {
      v = target;
    } else if (!edgeBiased) {
      v = uniform(min, max);
    } else {
      int mode = random.nextInt(16);
      v =
          mode < EDGES
              ? edge(min, max, target)
              : mode < EDGES + NEAR ? near(min, max, target) : uniform(min, max);
    }
    if (size == values.length) {
      values = Arrays.copyOf(values, 2 * size);
      targets = Arrays.copyOf(targets, 2 * size);
    }
    values[size] = v;
    targets[size++] = target;
    return v;
  }

  /** The value shrinking aims at: 0 if the range holds it, else the bound nearer to 0. */
  static long simplest(long min, long max) {
    return Math.max(min, Math.min(max, 0));
  }

  /** How many choices were made so far: the position of the next. */
  int position() {
    return size;
  }

  /**
   * Notes a list: {@code spans[0]} is the position of its length's choice, {@code spans[1 + k]}
   * where element {@code k} starts, the last where the list ends. The shrinker removes elements by
   * these.
   */
  void list(int[] spans) {
    lists.add(spans);
  }

  List<int[]> lists() {
    return List.copyOf(lists);
  }

  long[] values() {
    return Arrays.copyOf(values, size);
  }

  long[] targets() {
    return Arrays.copyOf(targets, size);
  }

  private long uniform(long min, long max) {
    if (min == Long.MIN_VALUE && max == Long.MAX_VALUE) {
      return random.nextLong();
    }
    return max < Long.MAX_VALUE ? random.nextLong(min, max + 1) : random.nextLong(min - 1, max) + 1;
  }

  /** The range's bounds and their neighbours, 0, and its neighbours 1 and -1, where in range. */
  private long edge(long min, long max, long target) {
    return switch (random.nextInt(6)) {
      case 0 -> min;
      case 1 -> max;
      case 2 -> min < max ? min + 1 : min;
      case 3 -> min < max ? max - 1 : max;
      case 4 -> target;
      default -> {
        boolean up = target < max && (target == min || random.nextBoolean());
        yield up ? target + 1 : target > min ? target - 1 : target;
      }
    };
  }

  /**
   * A value at a random bit length from the simplest one: every magnitude is as likely as every
   * other, so small values (which uniform draws over a wide range almost never give) come often.
   */
  private long near(long min, long max, long target) {
    boolean up = target == min || (target != max && random.nextBoolean());
    long span = up ? max - target : target - min; // unsigned: up to 2^64 - 1
    int bits = 1 + random.nextInt(64);
    long m = random.nextLong() >>> (64 - bits);
    if (Long.compareUnsigned(m, span) > 0) {
      m = Long.remainderUnsigned(m, span + 1); // span < 2^64 - 1 here, so span + 1 is not 0
    }
    return up ? target + m : target - m;
  }
}
