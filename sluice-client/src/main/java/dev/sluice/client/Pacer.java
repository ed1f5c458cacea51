package dev.sluice.client;

/**
 * Spaces the requests of one quota so that what remains of it lasts until its reset: the
 * client-side half of "spread requests evenly over the window instead of bursting". One pacer
 * serves every thread that sends under the same quota (by default, the same origin).
 *
 * <h2>State</h2>
 *
 * Times are nanoseconds on the client's monotonic clock; {@link #NONE} means unknown.
 *
 * <ul>
 *   <li>{@code resetAt}: when the current window ends, per the server;
 *   <li>{@code allowance}: how many more requests may <em>start</em> before {@code resetAt};
 *   <li>{@code lastSlot}, {@code spacing}: the reservation timeline: the start time handed to the
 *       latest request, and the gap to the next;
 *   <li>{@code outstanding}: requests that have a slot but no answer yet (waiting for their slot or
 *       in flight), which the server has not counted, or has counted without our knowing;
 *   <li>{@code limit} and the window length, when the server has said them.
 * </ul>
 *
 * <h2>Reserving a slot</h2>
 *
 * A request asks for a slot and sleeps until it:
 *
 * <pre>
 *   slot = max(now, lastSlot + spacing)
 *   if allowance == 0 or slot &gt;= resetAt:             // nothing left: the next window
 *     slot = max(slot, resetAt + GUARD)
 *   lastSlot = slot; allowance -= 1; outstanding += 1
 * </pre>
 *
 * Slots are handed out under a lock, one after another, so concurrent threads never see the same
 * "remaining" and never pile onto the same instant: the timeline, not each thread's own reading,
 * decides who goes when. (The lock is held for a few arithmetic operations per request, next to a
 * network round trip; lock-free schemes would buy nothing measurable.)
 *
 * <h2>Reading a response</h2>
 *
 * Each answer brings {@code remaining} {@code R} and {@code reset} {@code T}. The server counted
 * this request; the other outstanding ones may or may not be counted yet, so the estimate assumes
 * they are not: {@code est = R - outstanding}, an under-estimate (answers that overtake one another
 * can make one too high; the "lower only" rule below absorbs them). Then:
 *
 * <pre>
 *   T before the middle of the current window: a late answer about an older one: ignored
 *   T after resetAt (beyond a tolerance):      a newer window: allowance = est, resetAt = T
 *   otherwise, the same window:                allowance = min(allowance, est),
 *                                              resetAt = max(resetAt, T)
 *   spacing = (resetAt - now) / allowance            // if the next slot can be now, else
 *   spacing = (resetAt - lastSlot) / (allowance + 1) // the allowance fits after lastSlot
 * </pre>
 *
 * Within a window, a reading can only lower the allowance: out-of-order answers (an older request's
 * larger {@code R} arriving last) can never inflate it. It rises only when a window ends. The
 * tolerance, {@link #TOLERANCE_NANOS}, absorbs resets given in whole seconds from "now" (IETF
 * {@code t}), which drift by up to a second between answers of one window; it is a quarter of a
 * second so that one-second windows are still told apart.
 *
 * <h2>Window edges</h2>
 *
 * A window's slots all lie before its reset, and the next window's first slot is {@link
 * #GUARD_NANOS} after it: servers often keep a coarse clock (Sluice's own lags by up to a
 * millisecond), and a request that arrives a hair before the server's reset counts against the old,
 * spent window. When a slot reaches {@code resetAt} the pacer moves to the next window with {@code
 * allowance = limit}, which ends at {@code resetAt + window} if the window's length is known
 * ({@code RateLimit-Policy}'s {@code w}, or {@link Pacing#assumingWindow}). If it is not, the new
 * window's end stays unknown until its first answer; meanwhile no more than {@code limit} start,
 * spaced by the window's length as far as it can be told, divided by the limit: the smallest gap
 * seen between consecutive resets, else the longest time seen from an answer to its reset (a window
 * lasts at least that long). A window judged too short only makes a small burst at the window's
 * start; the first answer corrects the pace.
 *
 * <p>A request sent just before a reset may arrive just after it and count in the new window. It is
 * not subtracted up front: its answer comes back within a round trip, usually before the new
 * window's first slot (the guard gives it a head start), and lowers the allowance as any answer
 * does. Subtracting every outstanding request at the edge instead would cost a slot per thread
 * waiting for its turn, in every window: a quarter of the throughput in the worked example below.
 *
 * <h2>When headers are missing</h2>
 *
 * No reading yet: requests go at once (nothing is known to pace by), and the first answers set the
 * pace. A remaining without a reset ({@code X-RateLimit-Remaining} alone, as in the Convotic
 * document): with a known window, requests keep a steady {@code window / limit} spacing; without
 * one, it is learned (below). A 429's {@code Retry-After} is read as "remaining 0, reset then", so
 * one thread's refusal holds back every thread of the pacer instead of each finding out by itself
 * (see {@link #refused}). A refusal that ends well before the current window's known reset (a burst
 * limit inside a longer window, say) holds every request until then, and no longer: it does not
 * stretch into a wait for the window's end, nor is it mistaken for a late answer about an older
 * window.
 *
 * <h2>Learning a window it is not told</h2>
 *
 * Some APIs send a limit and a remaining but no reset (the Convotic document: {@code
 * X-RateLimit-Limit}, {@code -Remaining}, and {@code Retry-After} on a 429). Pacing them needs the
 * window's length and phase, which the pacer learns the way TCP learns a round-trip time: from
 * samples, smoothed, with a margin for their spread.
 *
 * <ul>
 *   <li><b>Samples.</b> A refusal's {@code Retry-After} says when the current window ends: a
 *       boundary {@code B = now + Retry-After} (late by up to a second when the server rounds up to
 *       whole seconds, which errs on the safe side). The gap between two boundaries is a sample of
 *       the window; ends closer than the longest wait asked for, less a second, are one end seen
 *       twice (the earlier sighting kept).
 *   <li><b>Estimate.</b> The first gap is the estimate {@code W}, with a deviation {@code D =
 *       W/16}; a gap about twice the first guess (below) counts as two windows, and a window seen
 *       to end (the remaining rising) well inside the estimate restarts it. Each later sample
 *       {@code S} (a gap divided by the whole number of estimates it spans) moves them as TCP's
 *       SRTT and RTTVAR: {@code W += (S - W)/4}, {@code D += (|S - W| - D)/4}; a gap under three
 *       quarters of {@code W} shows the estimate spanned several windows and restarts it.
 *   <li><b>Bounds.</b> The window used is {@code max(longest wait asked, W + D)}: never shorter
 *       than a wait the server asked for (a window lasts at least that long), and a deviation
 *       longer than the estimate, since too long only costs a little time while too short costs a
 *       429. Before two boundaries are known, the first guess is the shortest round window APIs use
 *       (1, 2, 5, 10, 15, 20, 30 s, 1, 2, 5, 10, 15, 30 min, 1 h, 1 day) covering the longest wait
 *       asked. A window the server announces ({@code RateLimit-Policy} {@code w}) wins; one the
 *       caller assumes ({@link Pacing#assumingWindow}) is the estimate to start from, so telling
 *       the window only spares the samples.
 *   <li><b>Phase and quota.</b> Each refusal sets the window's end ({@code resetAt}) and holds
 *       every request until then; slots reserved before it are re-checked when their time comes
 *       ({@link #confirm}) and taken again on the new timeline, not sent into the spent window.
 *       Within a window the server's {@code remaining} (less the requests in flight) bounds the
 *       allowance, so a phase or window estimate that is off can cost time or one 429, never a
 *       burst. A spent quota whose end is unknown is probed one request at a time; a probe that
 *       comes back with quota left starts the new window at once.
 * </ul>
 *
 * In issue #22's scenario (20 per 10 s, 20 threads, 300 requests), simulated over phases and
 * latencies ({@code ResetlessWindowSimulationTest}): told the window, at most one 429 per run; not
 * told it, between none and 15 (5%), every run within 10% of the ideal time.
 *
 * <h2>Never refusing</h2>
 *
 * The pacer delays; it does not refuse. A slot later than the caller can wait (its policy's longest
 * wait, or its deadline) is not taken: the request goes at once, unpaced, and the server's answer
 * decides. A hostile or buggy reset years away therefore costs one request, never a client that
 * refuses to send.
 *
 * <h2>Worked example</h2>
 *
 * A limit of 50 per 2-second window, windows ending at even seconds; 20 threads start at 10.700.
 * Nothing is known, so 20 requests go at once and the server has 30 left. The first answer says
 * {@code R = 49} with 19 requests outstanding: {@code est = 30}, {@code resetAt = 12.000}, and as
 * the last slot was 10.700, {@code spacing = 1.300 s / 31 = 41.9 ms}. From then on one request
 * starts every 41.9 ms whichever thread sends it: 10.742, 10.784, ..., the 30th at 11.958. The 31st
 * slot is 12.050, the reset plus the guard: a new window of 50, spaced 1.3 s / 50 = 26 ms apart
 * (the window lasted at least the 1.3 s seen from the first answer to the reset) until its first
 * answer ({@code T = 14.000}) spaces the rest about 40 ms apart. The server never sees more than 50
 * in a window, and every window is used.
 */
final class Pacer {
  /** Unknown time. */
  static final long NONE = Long.MIN_VALUE;

  /** Answers whose resets differ by less than this describe the same window. */
  static final long TOLERANCE_NANOS = 250_000_000L;

  /**
   * The shortest of the windows APIs actually use (1, 2, 5, 10, 15, 20 and 30 seconds; 1, 2, 5, 10,
   * 15 and 30 minutes; 1 hour; 1 day) that is at least {@code nanos}: the first guess at a window
   * from the longest wait a refusal asked for, until two refusals measure it.
   */
  static long roundWindowAtLeast(long nanos) {
    for (long seconds : ROUND_WINDOWS_SECONDS) {
      if (seconds * 1_000_000_000L >= nanos) {
        return seconds * 1_000_000_000L;
      }
    }
    return nanos;
  }

  private static final long[] ROUND_WINDOWS_SECONDS = {
    1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 86_400
  };

  /** The gap between probes of a spent quota while nothing says how long its window is. */
  static final long PROBE_NANOS = 1_000_000_000L;

  /** How long after the server's announced reset the pacer takes the window to be over. */
  static final long GUARD_NANOS = 50_000_000L;

  private final long assumedWindowNanos;

  private long limit = -1;
  private long policyWindowNanos = -1;
  private long observedWindowNanos = -1;
  private long windowAtLeastNanos = -1;
  private long windowStart = NONE;
  private long resetAt = NONE;
  private long allowance = -1;
  private long spacing;
  private long lastSlot = NONE;
  private long outstanding;
  private long heldUntil = NONE;

  // Reset-less quotas (see "Learning a window it is not told")
  private boolean serverResets;
  private long epoch;
  private long lastBoundary = NONE;
  private long windowEstimate = -1;
  private long windowDeviation;
  private long longestWait = -1;
  private long riseAbove = Long.MAX_VALUE;
  private boolean estimatedReset;
  private final java.util.TreeMap<Long, Integer> pending = new java.util.TreeMap<>();

  /** A pacer; {@code assumedWindowNanos} (or -1) is the window to assume when none is sent. */
  Pacer(long assumedWindowNanos) {
    this.assumedWindowNanos = assumedWindowNanos;
    this.windowEstimate = assumedWindowNanos;
  }

  /**
   * The pacer's epoch: it changes whenever a refusal moves the timeline, so that a slot reserved
   * before can be checked with {@link #confirm} when its time comes.
   */
  synchronized long epoch() {
    return epoch;
  }

  /**
   * Checks, when a reserved {@code slot} has come, that no refusal since {@code reservedIn} (its
   * {@link #epoch}) has replaced the timeline it was taken on: returns {@code slot} if the request
   * may go, else a new slot (the old reservation given back), as {@link #reserve}.
   */
  synchronized long confirm(long now, long slot, long reservedIn, long latest) {
    if (reservedIn == epoch || slot > latest) {
      return slot;
    }
    if (outstanding > 0) {
      outstanding--; // the old reservation, made on a timeline the refusal has replaced
      pending.computeIfPresent(slot, (k, n) -> n > 1 ? n - 1 : null);
    }
    return reserve(now, latest);
  }

  /**
   * Reserves the start time of one request: a slot at or after {@code now}, or {@code now} if the
   * slot would be after {@code latest} (see "Never refusing"). Every reservation must be followed
   * by exactly one {@link #record}, {@link #refused} or {@link #release}.
   */
  synchronized long reserve(long now, long latest) {
    advanceTo(now);
    long slot = lastSlot == NONE ? now : Math.max(now, Nanos.add(lastSlot, spacing));
    if (allowance == 0 && resetAt == NONE && lastSlot != NONE) {
      // spent, and when it comes back is unknown: one probe at a time, whose answer will tell
      slot = Math.max(now, Nanos.add(lastSlot, probeGapNanos()));
    }
    if (heldUntil != NONE) {
      slot = Math.max(slot, Nanos.add(heldUntil, GUARD_NANOS)); // a refusal's pause
    }
    if (resetAt != NONE && (allowance == 0 || slot >= resetAt)) {
      slot = Math.max(slot, Nanos.add(resetAt, GUARD_NANOS)); // the next window, past its guard
    } else if (windowStart != NONE) {
      slot = Math.max(slot, Nanos.add(windowStart, GUARD_NANOS)); // a window that just began
    }
    if (slot > latest) {
      outstanding++;
      pending.merge(now, 1, Integer::sum);
      return now;
    }
    advanceTo(slot);
    if (allowance > 0) {
      allowance--;
    }
    lastSlot = slot;
    outstanding++;
    pending.merge(slot, 1, Integer::sum);
    return slot;
  }

  /** Ends a reservation whose request got no answer (it failed, or was never sent). */
  synchronized void release() {
    if (outstanding > 0) {
      outstanding--;
      ended();
    }
  }

  /**
   * Ends a reservation with the answer's reading: {@code limit}, {@code remaining} (-1 if not
   * sent), {@code reset} (monotonic nanoseconds, or {@link #NONE}) and {@code window} (-1).
   */
  synchronized void record(long now, long limit, long remaining, long reset, long window) {
    if (outstanding > 0) {
      outstanding--;
      ended();
    }
    if (limit > 0) { // 0 is what some servers send for "no limit": no information
      this.limit = limit;
    }
    if (window > 0) {
      policyWindowNanos = window;
    }
    advanceTo(now);
    if (remaining < 0) {
      recomputeSpacing(now);
      return;
    }
    long estimate = Math.max(0, remaining - outstanding);
    if (reset == NONE) {
      if (!serverResets && windowStart != NONE && now < windowStart) {
        // slots were handed out in a window yet to come: this answer is about an earlier one
        recomputeSpacing(now);
        return;
      }
      if (!serverResets
          && allowance == 0
          && resetAt == NONE
          && learnedWindowNanos() <= 0
          && remaining > inFlight(now)) {
        // a probe of a spent quota came back with some left: a new window began; the probes
        // still waiting take new slots in it
        epoch++;
        lastSlot = NONE;
        startWindow(now, remaining - inFlight(now));
      } else if (!serverResets && remaining > riseAbove && resetAt != NONE && now < resetAt) {
        // the remaining rose by more than answers overtaking one another can explain: the
        // window turned over before the pacer thought it would, about now. Not a sample for the
        // estimator (where between two answers it turned over is not known), but a window seen
        // to end well inside the estimate shows the estimate spans several: it restarts there.
        long seen = windowStart == NONE ? -1 : now - windowStart;
        if (windowEstimate > 0
            && seen > Math.max(TOLERANCE_NANOS, longestWait - 1_000_000_000L)
            && seen < windowEstimate * 3 / 4) {
          windowEstimate = seen;
          windowDeviation = seen / 16;
        }
        startWindow(now, estimate);
      } else if (!serverResets && allowance < 0 && (resetAt != NONE || limit > 0)) {
        allowance = estimate; // the first answer of a reset-less quota
      } else if (allowance >= 0) {
        allowance = Math.min(allowance, estimate);
      }
      if (!serverResets) {
        riseAbove = Math.min(riseAbove, remaining + inFlight(now));
      }
    } else {
      serverResets = true;
      estimatedReset = false;
      long end = reset;
      if (end <= now) {
        return; // a window that is already over
      }
      windowAtLeastNanos = Math.max(windowAtLeastNanos, end - now);
      if (isOlder(end)) {
        return; // a late answer about a window that ended before the current one began
      } else if (resetAt == NONE || end > Nanos.add(resetAt, TOLERANCE_NANOS)) {
        adopt(now, end, estimate);
      } else {
        // the same window; an earlier end than ours only means ours is late (resets rounded up
        // to whole seconds): keep the later one, and take the lower allowance
        allowance = allowance < 0 ? estimate : Math.min(allowance, estimate);
        resetAt = Math.max(resetAt, end);
      }
    }
    recomputeSpacing(now);
  }

  /**
   * Ends a reservation whose answer was a refusal (429, or 503 with {@code Retry-After}) asking to
   * come back at {@code until} (monotonic nanoseconds, or {@link #NONE} if it did not say). If that
   * is at or after the current window's end, or the window's end is unknown, it reads as "remaining
   * 0, reset then", as {@link #record} with a remaining of 0. If it is well before the window's
   * known end, it is a pause within the window: no request starts before {@code until}, and the
   * window's allowance is left as it was, spread from then on.
   */
  synchronized void refused(long now, long limit, long until, long window) {
    advanceTo(now);
    if (!serverResets && window <= 0 && policyWindowNanos <= 0) {
      refusedResetless(now, limit, until);
      return;
    }
    if (until == NONE || resetAt == NONE || until >= Nanos.add(resetAt, -TOLERANCE_NANOS)) {
      record(now, limit, 0, until, window);
      return;
    }
    if (outstanding > 0) {
      outstanding--;
      ended();
    }
    if (limit > 0) {
      this.limit = limit;
    }
    if (window > 0) {
      policyWindowNanos = window;
    }
    if (until > now) {
      heldUntil = heldUntil == NONE ? until : Math.max(heldUntil, until);
      recomputeSpacing(until);
    }
  }

  /**
   * Whether a reset announces a window older than the current one: it falls in the first half of
   * the current window (its span known, or observed), else within the tolerance of its start.
   * Halfway, not "before {@code resetAt}": a reset rounded up to whole seconds may be a second
   * later than the true one, and a rolled-over {@code resetAt} inherits that lateness, so an answer
   * about the current window can name an end well before {@code resetAt}.
   */
  private boolean isOlder(long end) {
    if (windowStart == NONE) {
      return false;
    }
    long span =
        resetAt != NONE
            ? resetAt - windowStart
            : trustedWindowNanos() > 0 ? trustedWindowNanos() : observedWindowNanos;
    return span > 0
        ? end < Nanos.add(windowStart, span / 2)
        : end <= Nanos.add(windowStart, TOLERANCE_NANOS);
  }

  /** Moves to a newer window the server has announced. */
  private void adopt(long now, long end, long estimate) {
    long previous = resetAt != NONE ? resetAt : windowStart;
    if (previous != NONE) {
      long gap = end - previous;
      if (gap > TOLERANCE_NANOS && (observedWindowNanos < 0 || gap < observedWindowNanos)) {
        observedWindowNanos = gap;
      }
      if (previous <= now) {
        windowStart = previous; // a reset that has passed: the start of the announced window
      }
    }
    resetAt = end;
    allowance = estimate;
  }

  /** If {@code t} is at or past the current window's end, moves to the window containing it. */
  private void advanceTo(long t) {
    if (resetAt == NONE || t < resetAt) {
      return;
    }
    long w = serverResets ? trustedWindowNanos() : learnedWindowNanos();
    long start = resetAt;
    riseAbove = Long.MAX_VALUE;
    if (w > 0) {
      long skipped = (t - resetAt) / w;
      start = Nanos.add(resetAt, skipped > Long.MAX_VALUE / w ? Long.MAX_VALUE : skipped * w);
      resetAt = Nanos.add(start, w);
    } else {
      resetAt = NONE;
    }
    windowStart = start;
    allowance = limit > 0 ? limit : -1;
    recomputeSpacing(start);
  }

  /**
   * A refusal of a quota whose server sends no reset: it says where the current window ends (its
   * {@code Retry-After}), which is all the pacer learns of the window's phase besides the rise of
   * {@code remaining}; everything waits until then.
   */
  private void refusedResetless(long now, long limit, long until) {
    if (outstanding > 0) {
      outstanding--;
      ended();
    }
    if (limit > 0) {
      this.limit = limit;
    }
    epoch++;
    if (until == NONE || until <= now) {
      allowance = 0;
      if (resetAt != NONE && estimatedReset) {
        resetAt = NONE; // our idea of the window's end was wrong: probe
      }
      recomputeSpacing(now);
      return;
    }
    longestWait = Math.max(longestWait, until - now);
    boundary(until, now);
    lastSlot = NONE; // a new timeline from the refusal's end: slots reserved before are redone
    resetAt = until;
    estimatedReset = true;
    allowance = 0;
    riseAbove = Long.MAX_VALUE;
    recomputeSpacing(now);
  }

  /**
   * A sample of a window boundary at {@code at} (a refusal's end, or a rise of {@code remaining}
   * seen at {@code now}): feeds the window estimator with its distance from the previous one.
   */
  private void boundary(long at, long now) {
    // Two ends closer than the longest wait asked for (less a second: waits are often rounded up
    // to whole seconds) are one end seen twice: a window is at least that long.
    long apart = Math.max(TOLERANCE_NANOS, longestWait - 1_000_000_000L);
    if (lastBoundary != NONE && at - lastBoundary > apart) {
      long gap = at - lastBoundary;
      if (windowEstimate <= 0 || gap < windowEstimate * 3 / 4) {
        // the first gap, or one that shows the estimate spanned several windows; about twice
        // the guess from the longest wait is taken to be two windows, one without a refusal
        long guess = longestWait > 0 ? roundWindowAtLeast(longestWait) : gap;
        if (Math.round((double) gap / guess) == 2) {
          gap /= 2;
        }
        windowEstimate = gap;
        windowDeviation = gap / 16;
      } else {
        long k = Math.max(1, Math.round((double) gap / windowEstimate));
        long sample = gap / k;
        long error = sample - windowEstimate;
        windowEstimate += error / 4;
        windowDeviation += (Math.abs(error) - windowDeviation) / 4;
      }
    }
    if (lastBoundary == NONE || at - lastBoundary > apart) {
      lastBoundary = at;
    } else {
      lastBoundary = Math.min(lastBoundary, at); // the earlier sighting is the less rounded up
    }
  }

  /** Forgets the earliest pending reservation: the one most likely to have been answered. */
  private void ended() {
    Long first = pending.isEmpty() ? null : pending.firstKey();
    if (first != null) {
      pending.computeIfPresent(first, (k, n) -> n > 1 ? n - 1 : null);
    }
  }

  /** Reservations whose slot has come: sent, and not yet answered. */
  private long inFlight(long now) {
    long n = 0;
    for (int c : pending.headMap(now, true).values()) {
      n += c;
    }
    return n;
  }

  /** A new window found to have begun at {@code now}, with {@code estimate} of it left. */
  private void startWindow(long now, long estimate) {
    windowStart = now;
    long w = learnedWindowNanos();
    resetAt = w > 0 ? Nanos.add(now, w) : NONE;
    estimatedReset = resetAt != NONE;
    allowance = estimate;
    heldUntil = NONE;
    riseAbove = Long.MAX_VALUE;
  }

  /**
   * The window length of a reset-less quota as far as it can be told: the announced one, else the
   * smoothed estimate plus twice its deviation (never below the longest wait a refusal asked for),
   * else that longest wait, else -1.
   */
  private long learnedWindowNanos() {
    if (policyWindowNanos > 0) {
      return policyWindowNanos;
    }
    if (windowEstimate > 0) {
      return Math.max(longestWait, windowEstimate + windowDeviation);
    }
    return longestWait > 0 ? roundWindowAtLeast(longestWait) : -1;
  }

  /** The gap between probes of a spent quota whose end is unknown. */
  private long probeGapNanos() {
    long w = learnedWindowNanos();
    return w > 0 && limit > 0 ? Math.max(w / limit, PROBE_NANOS / 10) : PROBE_NANOS;
  }

  private void recomputeSpacing(long now) {
    if (allowance > 0 && resetAt != NONE) {
      // allowance slots before resetAt: from now if the next slot can be now, else after lastSlot
      long fromNow = Math.max(0, (resetAt - now) / allowance);
      spacing =
          lastSlot == NONE || Nanos.add(lastSlot, fromNow) <= now
              ? fromNow
              : Math.max(0, (resetAt - lastSlot) / (allowance + 1));
    } else if (allowance != 0) {
      long w =
          !serverResets
              ? learnedWindowNanos()
              : trustedWindowNanos() > 0
                  ? trustedWindowNanos()
                  : observedWindowNanos > 0 ? observedWindowNanos : windowAtLeastNanos;
      spacing = w > 0 && limit > 0 ? w / limit : 0;
    }
  }

  /** The window length the server announced, else the one the caller assumed, else -1. */
  private long trustedWindowNanos() {
    return policyWindowNanos > 0 ? policyWindowNanos : assumedWindowNanos;
  }

  @Override
  public synchronized String toString() {
    return "Pacer[limit="
        + limit
        + ", allowance="
        + allowance
        + ", resetAt="
        + resetAt
        + ", spacing="
        + spacing
        + ", lastSlot="
        + lastSlot
        + ", outstanding="
        + outstanding
        + (heldUntil == NONE ? "" : ", heldUntil=" + heldUntil)
        + (serverResets
            ? ""
            : ", window~" + windowEstimate + "+-" + windowDeviation + ", riseAbove=" + riseAbove)
        + "]";
  }
}
