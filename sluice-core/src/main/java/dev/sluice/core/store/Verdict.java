package dev.sluice.core.store;

import dev.sluice.core.LimitStatus;
import dev.sluice.core.policy.Limit;
import java.util.List;
import java.util.Objects;

/**
 * What a store answers to a {@link Charge}: the kind of answer, the store's time, and where each
 * limit stands, bucket by bucket in the order of the charge, limits in each bucket's group order.
 *
 * <p>The figures can be read one limit at a time ({@link #remaining(int)} and the like) without
 * building a {@link LimitStatus} per limit; {@link #statuses()} builds them once, on first use. The
 * engine reads figures on the hot path and leaves the objects to whoever asks for them (a denial
 * body, the decision API).
 */
public final class Verdict {

  /** The kinds of answer. */
  public enum Kind {
    /** Every limit passed and every bucket was charged. */
    ADMITTED,
    /** At least one limit did not pass; nothing was charged. */
    DENIED,
    /**
     * The store is at its bucket cap and could not create a bucket for a new identity; nothing was
     * charged (see {@link WhenFull}).
     */
    FULL
  }

  private static final int STRIDE = 3; // remaining, resetAt, retryAt (0 = passed)

  private final Kind kind;
  private final long nowMicros;
  private final BucketGroup[] groups;
  private final long[] figures;
  private List<LimitStatus> statuses; // immutable once built: a racy second build is harmless

  /**
   * A verdict from statuses.
   *
   * @param kind whether the charge was made, refused, or could not be tracked
   * @param nowMicros the store's time at the decision (the store's clock is authoritative: Redis
   *     uses its own, so instances with skewed clocks agree)
   * @param statuses one per limit; empty for {@link Kind#FULL}
   */
  public Verdict(Kind kind, long nowMicros, List<LimitStatus> statuses) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.nowMicros = nowMicros;
    this.statuses = List.copyOf(statuses);
    this.groups = null;
    this.figures = null;
  }

  private Verdict(Kind kind, long nowMicros, BucketGroup[] groups, long[] figures) {
    this.kind = kind;
    this.nowMicros = nowMicros;
    this.groups = groups;
    this.figures = figures;
  }

  /**
   * A verdict from packed figures: for limit {@code i} of the charge (counting through the groups'
   * limits in order), {@code figures[3i]} is its remaining, {@code [3i+1]} its reset and {@code
   * [3i+2]} its retry-at, 0 if it passed. Takes ownership of both arrays.
   */
  static Verdict packed(Kind kind, long nowMicros, BucketGroup[] groups, long[] figures) {
    return new Verdict(kind, nowMicros, groups, figures);
  }

  /** Whether the charge was made, refused, or could not be tracked. */
  public Kind kind() {
    return kind;
  }

  /** The store's time at the decision, epoch microseconds. */
  public long nowMicros() {
    return nowMicros;
  }

  /** Whether the request was admitted. */
  public boolean admitted() {
    return kind == Kind.ADMITTED;
  }

  /** The number of limits evaluated. */
  public int size() {
    return figures == null ? statuses.size() : figures.length / STRIDE;
  }

  /** Whether limit {@code i} could take the request's cost. */
  public boolean passed(int i) {
    return figures == null ? statuses.get(i).passed() : figures[i * STRIDE + 2] == 0;
  }

  /** Units left in limit {@code i}, as {@link LimitStatus#remaining()}. */
  public long remaining(int i) {
    return figures == null ? statuses.get(i).remaining() : figures[i * STRIDE];
  }

  /** When limit {@code i} is whole again, as {@link LimitStatus#resetAtMicros()}. */
  public long resetAtMicros(int i) {
    return figures == null ? statuses.get(i).resetAtMicros() : figures[i * STRIDE + 1];
  }

  /** For a limit that did not pass, as {@link LimitStatus#retryAtMicros()}; else 0. */
  public long retryAtMicros(int i) {
    return figures == null ? statuses.get(i).retryAtMicros() : figures[i * STRIDE + 2];
  }

  /** Limit {@code i}. */
  public Limit limit(int i) {
    if (figures == null) {
      return statuses.get(i).limit();
    }
    for (BucketGroup g : groups) {
      int n = g.limits().size();
      if (i < n) {
        return g.limits().get(i);
      }
      i -= n;
    }
    throw new IndexOutOfBoundsException(i);
  }

  /** Where limit {@code i} stands, as an object. */
  public LimitStatus status(int i) {
    if (figures == null) {
      return statuses.get(i);
    }
    int k = i;
    for (BucketGroup g : groups) {
      int n = g.limits().size();
      if (k < n) {
        return new LimitStatus(
            g.name().rule(),
            g.name().variant(),
            g.limits().get(k),
            passed(i),
            remaining(i),
            resetAtMicros(i),
            retryAtMicros(i));
      }
      k -= n;
    }
    throw new IndexOutOfBoundsException(i);
  }

  /** Every limit's status, in order. */
  public List<LimitStatus> statuses() {
    List<LimitStatus> s = statuses;
    if (s == null) {
      LimitStatus[] all = new LimitStatus[size()];
      for (int i = 0; i < all.length; i++) {
        all[i] = status(i);
      }
      statuses = s = List.of(all);
    }
    return s;
  }

  /** Equal kind, time and statuses, however they are held. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Verdict v
        && v.kind == kind
        && v.nowMicros == nowMicros
        && v.statuses().equals(statuses());
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, nowMicros, statuses());
  }

  @Override
  public String toString() {
    return "Verdict[" + kind + " at " + nowMicros + ", " + statuses() + "]";
  }
}
