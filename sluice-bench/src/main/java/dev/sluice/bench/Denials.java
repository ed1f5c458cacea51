package dev.sluice.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Counts, per benchmark thread, the operations a limiter refused, and fails the iteration if there
 * were any: every benchmark here measures the <em>allowed</em> path, so a run whose limits were too
 * small for its speed would otherwise report the (different) cost of a denial. Every implementation
 * pays the same predictable branch.
 */
@State(Scope.Thread)
public class Denials {
  long count;

  /** Records {@code allowed} and returns it. */
  boolean record(boolean allowed) {
    if (!allowed) {
      count++;
    }
    return allowed;
  }

  /** Fails the iteration that saw a denial. */
  @TearDown(Level.Iteration)
  public void check() {
    if (count > 0) {
      long n = count;
      count = 0;
      throw new IllegalStateException(
          n
              + " operations were denied: the run left the allowed path; raise the benchmark's"
              + " limits");
    }
  }
}
