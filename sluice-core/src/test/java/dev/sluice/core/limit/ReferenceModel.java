package dev.sluice.core.limit;

/**
 * A plain, obviously-correct model of one algorithm, written from its definition rather than from
 * the meter's state encoding, to check a {@link Meter} against on the same arrivals.
 */
interface ReferenceModel {

  /** What charging {@code cost} at {@code now} would report; changes nothing. */
  Expected evaluate(long now, long cost);

  /** Charges {@code cost} at {@code now}; called only when {@link #evaluate} allowed it. */
  void commit(long now, long cost);
}
