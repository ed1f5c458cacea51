package dev.sluice.testing;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Runs a property over generated cases: a plain JUnit test calls {@link #check} with how many cases
 * to try, a {@link Gen} of cases and the assertions each case must pass.
 *
 * <p>Each run draws a new seed, so that every run explores new cases; {@code -Dsluice.seed=<seed>}
 * fixes it, and the same seed generates the same cases in the same order. At the first failing case
 * the runner shrinks it (it edits the case's recorded choices towards the simplest ones and keeps
 * each edit under which the property still fails the same way) and throws an {@link AssertionError}
 * that names the seed, the case's index, the case as first found and as shrunk, with the shrunk
 * case's failure as its cause.
 */
public final class Property {
  /** The system property that fixes the seed, to reproduce a failure. */
  static final String SEED = "sluice.seed";

  /** Discarded cases allowed per case to check: beyond, the generators miss the property. */
  static final int MAX_DISCARD_RATIO = 5;

  /** Runs of the property the shrinker may spend: enough for ranges of 64 bits at a few places. */
  static final int MAX_SHRINK_RUNS = 2_000;

  private Property() {}

  /**
   * Checks {@code property} over {@code tries} cases from {@code gen}, not counting the cases
   * discarded by {@link #assume} or {@link Gen#filter}, which are replaced by new ones.
   *
   * @throws AssertionError on the first failing case, shrunk, or when more than {@value
   *     #MAX_DISCARD_RATIO} cases per case to check were discarded
   */
  public static <T> void check(int tries, Gen<T> gen, Consumer<? super T> property) {
    check(seed(), tries, gen, property);
  }

  /**
   * Discards the current case unless {@code condition} holds: for properties that hold only over
   * part of what the generators give. Discarded cases do not count as tries.
   */
  public static void assume(boolean condition) {
    if (!condition) {
      throw new Discarded();
    }
  }

  static <T> void check(long seed, int tries, Gen<T> gen, Consumer<? super T> property) {
    if (tries <= 0) {
      throw new IllegalArgumentException("tries " + tries + " is not positive");
    }
    SplittableRandom seeds = new SplittableRandom(seed);
    int checked = 0;
    int discarded = 0;
    for (int index = 0; checked < tries; index++) {
      Run<T> run = run(gen, property, Source.fresh(seeds.nextLong()));
      if (run == null) {
        if (++discarded > MAX_DISCARD_RATIO * tries) {
          throw new AssertionError(
              String.format(
                  "Too many cases discarded: %d for %d checked of %d (seed %d)",
                  discarded, checked, tries, seed));
        }
      } else if (run.failure == null) {
        checked++;
      } else {
        throw report(seed, index, checked, run, shrink(gen, property, run));
      }
    }
  }

  private static long seed() {
    String fixed = System.getProperty(SEED);
    if (fixed != null && !fixed.isBlank()) {
      return Long.parseLong(fixed.trim());
    }
    return new SplittableRandom().nextLong(); // the JDK seeds it anew for each instance
  }

  /** A case run: its value and choices, and how the property failed on it, if it did. */
  private record Run<T>(
      T value, long[] choices, long[] targets, List<int[]> lists, Throwable failure) {}

  /** Runs one case; null if it was discarded. */
  private static <T> Run<T> run(Gen<T> gen, Consumer<? super T> property, Source source) {
    T value;
    try {
      value = gen.next(source);
    } catch (Discarded d) {
      return null;
    }
    Throwable failure = null;
    try {
      property.accept(value);
    } catch (Discarded d) {
      return null;
    } catch (OutOfMemoryError e) {
      throw e;
    } catch (Throwable t) { // any other exception or error is the property failing
      failure = t;
    }
    return new Run<>(value, source.values(), source.targets(), source.lists(), failure);
  }

  /**
   * Shrinks a failing case. A pass first tries each list without each of its elements, then each
   * choice at its simplest value, then, for each choice still not there, searches (halving the
   * distance) for the simplest value under which the property still fails. An edit is kept only if
   * the property fails with the same type of error and the choices became simpler: fewer of them (a
   * list's length was one), or the first that differs nearer its simplest value. Passes repeat
   * until one changes nothing or {@link #MAX_SHRINK_RUNS} runs are spent.
   */
  private static <T> Shrunk<T> shrink(Gen<T> gen, Consumer<? super T> property, Run<T> failing) {
    Shrinker<T> s = new Shrinker<>(gen, property, failing);
    boolean changed = true;
    while (changed && s.runs < MAX_SHRINK_RUNS) {
      changed = false;
      for (int l = 0; l < s.best.lists.size() && s.runs < MAX_SHRINK_RUNS; l++) {
        // Each element in turn out of the list: one shorter, the rest as it was.
        for (int k = 0; k < s.best.lists.get(l).length - 2 && s.runs < MAX_SHRINK_RUNS; ) {
          if (s.removeElement(l, k)) {
            changed = true;
          } else {
            k++;
          }
          if (l >= s.best.lists.size()) {
            break;
          }
        }
      }
      for (int i = 0; i < s.best.choices.length && s.runs < MAX_SHRINK_RUNS; i++) {
        long target = s.best.targets[i];
        changed |= s.best.choices[i] != target && s.attempt(i, target);
      }
      for (int i = 0; i < s.best.choices.length && s.runs < MAX_SHRINK_RUNS; i++) {
        long lo = s.best.targets[i]; // passes: the first loop tried it
        while (i < s.best.choices.length
            && Long.compareUnsigned(distance(s.best.choices[i], lo), 1) > 0
            && s.runs < MAX_SHRINK_RUNS) {
          long mid = midpoint(lo, s.best.choices[i]);
          if (s.attempt(i, mid)) {
            changed = true;
          } else {
            lo = mid;
          }
        }
      }
    }
    return new Shrunk<>(s.best, s.steps);
  }

  /** The shrinker's state: the simplest failing case so far, and what finding it cost. */
  private static final class Shrinker<T> {
    private final Gen<T> gen;
    private final Consumer<? super T> property;
    private Run<T> best;
    private int runs;
    private int steps;

    Shrinker(Gen<T> gen, Consumer<? super T> property, Run<T> failing) {
      this.gen = gen;
      this.property = property;
      this.best = failing;
    }

    /** Runs the case with choice {@code i} set to {@code value}; keeps it if it is a shrink. */
    boolean attempt(int i, long value) {
      long[] edited = best.choices.clone();
      edited[i] = value;
      return attempt(edited);
    }

    /** Runs the case without element {@code k} of list {@code l}; keeps it if it is a shrink. */
    boolean removeElement(int l, int k) {
      int[] spans = best.lists.get(l);
      if (best.choices[spans[0]] <= best.targets[spans[0]]) {
        return false; // at its minimum length (a length's simplest value is its minimum)
      }
      int from = spans[1 + k];
      int to = spans[2 + k];
      long[] edited = new long[best.choices.length - (to - from)];
      System.arraycopy(best.choices, 0, edited, 0, from);
      System.arraycopy(best.choices, to, edited, from, best.choices.length - to);
      edited[spans[0]]--;
      return attempt(edited);
    }

    private boolean attempt(long[] edited) {
      runs++;
      Run<T> r = run(gen, property, Source.replay(edited));
      if (r == null
          || r.failure == null
          || r.failure.getClass() != best.failure.getClass()
          || !simpler(r, best)) {
        return false;
      }
      best = r;
      steps++;
      return true;
    }
  }

  private record Shrunk<T>(Run<T> run, int steps) {}

  /** Fewer choices, or the first choice that differs is nearer its simplest value. */
  private static boolean simpler(Run<?> a, Run<?> b) {
    if (a.choices.length != b.choices.length) {
      return a.choices.length < b.choices.length;
    }
    for (int i = 0; i < a.choices.length; i++) {
      int c =
          Long.compareUnsigned(
              distance(a.choices[i], a.targets[i]), distance(b.choices[i], b.targets[i]));
      if (c != 0) {
        return c < 0;
      }
    }
    return false;
  }

  /** |v - target|, unsigned: the whole of a 64-bit range fits. */
  private static long distance(long v, long target) {
    return v >= target ? v - target : target - v;
  }

  /** Halfway from {@code lo} to {@code hi}, rounded towards {@code lo}, without overflow. */
  private static long midpoint(long lo, long hi) {
    long half = distance(hi, lo) >>> 1;
    return hi >= lo ? lo + half : lo - half;
  }

  private static AssertionError report(
      long seed, int index, int passed, Run<?> original, Shrunk<?> shrunk) {
    AssertionError e =
        new AssertionError(
            String.format(
                "Property failed at case %d (after %d passed), seed %d\n"
                    + "  original: %s\n"
                    + "  shrunk (%d steps): %s\n"
                    + "  failure: %s\n"
                    + "  reproduce with -D%s=%d",
                index,
                passed,
                seed,
                show(original.value),
                shrunk.steps,
                show(shrunk.run.value),
                shrunk.run.failure,
                SEED,
                seed),
            shrunk.run.failure);
    if (shrunk.run.failure != original.failure) {
      e.addSuppressed(original.failure);
    }
    return e;
  }

  /** A value as text; arrays with their elements. */
  static String show(Object value) {
    String s = Arrays.deepToString(new Object[] {value});
    return s.substring(1, s.length() - 1);
  }

  /** Thrown to discard a case: by {@link #assume}, and by {@link Gen#filter} when it gives up. */
  static final class Discarded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Discarded() {
      super("case discarded", null, false, false); // no stack trace: discards are common
    }
  }
}
