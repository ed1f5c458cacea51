package dev.sluice.core;

import dev.sluice.core.http.Seconds;
import dev.sluice.core.store.Verdict;
import java.util.List;

/**
 * The engine's answer for one request: may it pass, and where does each limit stand.
 *
 * <p>The <em>binding</em> limit, whose figures go into {@code X-RateLimit-*} headers, is the one
 * with the least remaining; among equals, the one that resets last (the figure a client should plan
 * by). For a denial, {@link #retryAfterSeconds()} is when the same request would pass every limit
 * that denied it.
 */
public final class Decision {

  /** The kinds of decision. */
  public enum Outcome {
    /** Every applicable limit passed and was charged. */
    ALLOWED,
    /** At least one limit did not pass (a 429); nothing was charged. */
    DENIED,
    /** No rule applies to the request: it passes, and carries no rate-limit headers. */
    UNLIMITED,
    /**
     * The request cannot be counted as the policy needs (an identity with no fallback, a cost that
     * is not a valid number, or a cost larger than a limit can ever allow): a 400, with {@link
     * #problem()} saying what is wrong. Retrying the same request cannot help.
     */
    INVALID,
    /**
     * The store could not count the request: it is at its bucket cap, or it is unavailable and the
     * policy fails closed. A 503, with {@link #problem()} saying which.
     */
    UNAVAILABLE,
    /**
     * The store is unavailable and the policy fails open: the request passes without being counted,
     * and carries no rate-limit headers. {@link #storeFailure()} says what failed.
     */
    ALLOWED_UNCOUNTED,
    /**
     * The policy exempts the request (its client's address, an identity it is counted by, or its
     * route; see {@code Exemptions}): it passes, nothing is charged, and it carries no rate-limit
     * headers. {@link #exemption()} says which exemption matched.
     */
    EXEMPT
  }

  private static final Verdict NONE = new Verdict(Verdict.Kind.ADMITTED, 0, List.of());

  private final Outcome outcome;
  private final long nowMicros;
  private final Verdict verdict;
  private final int bindingIndex;
  private final long retryAtMicros;
  private final Extras extras; // null for a plain decision: most of them, and the hot path's
  private LimitStatus binding; // built on first use

  /**
   * What only some decisions carry, apart so that a plain one is a smaller object.
   *
   * @param problem for INVALID and UNAVAILABLE, what went wrong
   * @param storeFailure why the store was not used, or null
   * @param shadow the shadow rules' verdict, or null
   * @param fingerprints per bucket of the verdict, when identities are tracked
   * @param shadowFingerprints per bucket of the shadow verdict, when identities are tracked
   */
  private record Extras(
      String problem,
      String storeFailure,
      Verdict shadow,
      long[] fingerprints,
      long[] shadowFingerprints) {}

  private Decision(Outcome outcome, long nowMicros, Verdict verdict, String problem) {
    this(outcome, nowMicros, verdict, problem, null);
  }

  private Decision(
      Outcome outcome, long nowMicros, Verdict verdict, String problem, String storeFailure) {
    this(outcome, nowMicros, verdict, problem, storeFailure, null, null, null);
  }

  private Decision(
      Outcome outcome,
      long nowMicros,
      Verdict verdict,
      String problem,
      String storeFailure,
      Verdict shadow,
      long[] fingerprints,
      long[] shadowFingerprints) {
    this.outcome = outcome;
    this.extras =
        problem == null
                && storeFailure == null
                && shadow == null
                && fingerprints == null
                && shadowFingerprints == null
            ? null
            : new Extras(problem, storeFailure, shadow, fingerprints, shadowFingerprints);
    this.nowMicros = nowMicros;
    this.verdict = verdict;
    int b = -1;
    long bRemaining = 0;
    long bReset = 0;
    long retry = 0;
    for (int i = 0, n = verdict.size(); i < n; i++) {
      long remaining = verdict.remaining(i);
      long reset = verdict.resetAtMicros(i);
      if (b < 0 || remaining < bRemaining || (remaining == bRemaining && reset > bReset)) {
        b = i;
        bRemaining = remaining;
        bReset = reset;
      }
      if (!verdict.passed(i)) {
        long retryAt = verdict.retryAtMicros(i);
        // A limit the cost can never fit: the engine reports such a request as INVALID; a
        // decision built from it anyway points at the limit's reset rather than at infinity.
        retry = Math.max(retry, retryAt == Long.MAX_VALUE ? verdict.resetAtMicros(i) : retryAt);
      }
    }
    this.bindingIndex = b;
    this.retryAtMicros = outcome == Outcome.UNAVAILABLE ? nowMicros + 1_000_000 : retry;
  }

  /**
   * The decision a store's verdict means; {@code storeFailure} is why the primary store was not
   * used, if the verdict is the local fallback's ({@code null} otherwise).
   */
  static Decision fromVerdict(Verdict v, String storeFailure) {
    switch (v.kind()) {
      case ADMITTED:
        return storeFailure == null ? of(v) : fallback(v, storeFailure);
      case DENIED:
        for (int i = 0, n = v.size(); i < n; i++) {
          if (v.retryAtMicros(i) == Long.MAX_VALUE) { // retrying cannot help: not a 429
            LimitStatus s = v.status(i);
            return invalid(
                v.nowMicros(),
                "the request costs more than limit '"
                    + s.limit().name()
                    + "' of rule '"
                    + s.rule()
                    + "' can ever allow ("
                    + s.limit().capacity()
                    + ")");
          }
        }
        return storeFailure == null ? of(v) : fallback(v, storeFailure);
      case FULL:
        return unavailable(
            v.nowMicros(), "the rate-limit store is full and cannot count a new client");
      default:
        throw new AssertionError(v.kind());
    }
  }

  /** A decision made from a store's answer. */
  static Decision of(Verdict v) {
    return new Decision(v.admitted() ? Outcome.ALLOWED : Outcome.DENIED, v.nowMicros(), v, null);
  }

  /** A decision made from statuses (for tests of what is built from decisions). */
  static Decision of(boolean admitted, long nowMicros, List<LimitStatus> limits) {
    return new Decision(
        admitted ? Outcome.ALLOWED : Outcome.DENIED,
        nowMicros,
        new Verdict(admitted ? Verdict.Kind.ADMITTED : Verdict.Kind.DENIED, nowMicros, limits),
        null);
  }

  /** This decision with the shadow rules' verdict and who was counted (either may be null). */
  Decision with(Verdict shadowVerdict, long[] fingerprints, long[] shadowFingerprints) {
    Decision d =
        new Decision(
            outcome,
            nowMicros,
            verdict,
            problem(),
            storeFailure(),
            shadowVerdict,
            fingerprints,
            shadowFingerprints);
    d.binding = binding;
    return d;
  }

  /** A decision made by the fallback store, because the primary one failed. */
  static Decision fallback(Verdict v, String storeFailure) {
    return new Decision(
        v.admitted() ? Outcome.ALLOWED : Outcome.DENIED, v.nowMicros(), v, null, storeFailure);
  }

  static Decision uncounted(String storeFailure) {
    return new Decision(Outcome.ALLOWED_UNCOUNTED, 0, NONE, null, storeFailure);
  }

  static Decision storeUnavailable(String storeFailure) {
    return new Decision(
        Outcome.UNAVAILABLE,
        0,
        NONE,
        "the rate-limit store is unavailable; try again shortly",
        storeFailure);
  }

  static Decision unlimited(long nowMicros) {
    return new Decision(Outcome.UNLIMITED, nowMicros, NONE, null);
  }

  /** A decision for a request exempt by {@code exemption} (how the policy names it). */
  static Decision exempt(String exemption) {
    return new Decision(Outcome.EXEMPT, 0, NONE, exemption);
  }

  static Decision invalid(long nowMicros, String problem) {
    return new Decision(Outcome.INVALID, nowMicros, NONE, problem);
  }

  static Decision unavailable(long nowMicros, String problem) {
    return new Decision(Outcome.UNAVAILABLE, nowMicros, NONE, problem);
  }

  /** What kind of decision this is. */
  public Outcome outcome() {
    return outcome;
  }

  /**
   * Whether the request may pass ({@link Outcome#ALLOWED}, {@link Outcome#UNLIMITED}, {@link
   * Outcome#ALLOWED_UNCOUNTED} or {@link Outcome#EXEMPT}).
   */
  public boolean allowed() {
    return outcome == Outcome.ALLOWED
        || outcome == Outcome.UNLIMITED
        || outcome == Outcome.ALLOWED_UNCOUNTED
        || outcome == Outcome.EXEMPT;
  }

  /**
   * Why the engine's store was not used for this decision (the store is down or too slow), or
   * {@code null} when it was. Set on every decision made under the policy's {@code
   * on-store-failure} mode: fail open, fail closed, or counted in the local fallback.
   */
  public String storeFailure() {
    return extras == null ? null : extras.storeFailure;
  }

  /**
   * The time of the decision, epoch microseconds, on the store's clock; 0 when no store was
   * consulted (a request no rule covers, or one invalid before any limit was looked at).
   */
  public long nowMicros() {
    return nowMicros;
  }

  /** Every limit the request was evaluated against, rule by rule in policy order. */
  public List<LimitStatus> limits() {
    return verdict.statuses();
  }

  /** The limit whose figures the headers show, or {@code null} when no limit applied. */
  public LimitStatus binding() {
    LimitStatus b = binding;
    if (b == null && bindingIndex >= 0) {
      binding = b = verdict.status(bindingIndex);
    }
    return b;
  }

  /**
   * Where the limits of the policy's shadow rules stand: decided and counted like the others, but
   * never denying and never in the headers. Empty when no shadow rule applied.
   */
  public List<LimitStatus> shadowLimits() {
    Verdict shadow = shadow();
    return shadow == null ? List.of() : shadow.statuses();
  }

  private Verdict shadow() {
    return extras == null ? null : extras.shadow;
  }

  /** Whether a shadow rule would have denied this request, were it enforced. */
  public boolean shadowDenied() {
    Verdict shadow = shadow();
    return shadow != null && !shadow.admitted();
  }

  /**
   * One bucket charged (or that would have been) for this decision: the rule, who was counted, and
   * where its limits stand.
   *
   * @param rule the rule's name
   * @param variant the tier, or {@code custom-...} for an identity's own limits, or {@code null}
   * @param fingerprint the identity's fingerprint ({@link Sluice#fingerprint}); 0 unless the engine
   *     tracks identities
   * @param shadow whether the rule is in shadow mode
   * @param limits the bucket's limits, in the rule's order
   */
  public record Bucket(
      String rule, String variant, long fingerprint, boolean shadow, List<LimitStatus> limits) {}

  /** Every bucket of the decision, enforced rules first, then shadow rules. */
  public List<Bucket> buckets() {
    java.util.ArrayList<Bucket> out = new java.util.ArrayList<>();
    addBuckets(verdict.statuses(), extras == null ? null : extras.fingerprints, false, out);
    Verdict shadow = shadow();
    if (shadow != null) {
      addBuckets(shadow.statuses(), extras.shadowFingerprints, true, out);
    }
    return out;
  }

  /** Splits {@code statuses} into buckets: a rule's limits are consecutive, one bucket per rule. */
  private static void addBuckets(
      List<LimitStatus> statuses, long[] fps, boolean shadow, List<Bucket> out) {
    int bucket = 0;
    for (int i = 0; i < statuses.size(); ) {
      LimitStatus first = statuses.get(i);
      int j = i;
      while (j < statuses.size()
          && statuses.get(j).rule().equals(first.rule())
          && java.util.Objects.equals(statuses.get(j).variant(), first.variant())) {
        j++;
      }
      out.add(
          new Bucket(
              first.rule(),
              first.variant(),
              fps != null && bucket < fps.length ? fps[bucket] : 0,
              shadow,
              statuses.subList(i, j)));
      bucket++;
      i = j;
    }
  }

  /** The limits that did not pass. */
  public List<LimitStatus> violated() {
    return limits().stream().filter(s -> !s.passed()).toList();
  }

  /**
   * For a denial: when the same request would pass every limit that denied it, epoch microseconds.
   * 0 when not denied.
   */
  public long retryAtMicros() {
    return retryAtMicros;
  }

  /**
   * The {@code Retry-After} value: seconds until {@link #retryAtMicros()}, rounded up, at least 1.
   * 0 when the request was not refused.
   */
  public long retryAfterSeconds() {
    if (outcome != Outcome.DENIED && outcome != Outcome.UNAVAILABLE) {
      return 0;
    }
    return Math.max(1, Seconds.ceil(retryAtMicros - nowMicros));
  }

  /** For {@link Outcome#INVALID} and {@link Outcome#UNAVAILABLE}: what went wrong, for people. */
  public String problem() {
    return extras == null || outcome == Outcome.EXEMPT ? null : extras.problem;
  }

  /**
   * For {@link Outcome#EXEMPT}: the exemption that matched, as the policy names it ({@code address
   * 10.0.0.0/8}, {@code route GET /health}, {@code identity fingerprint 3f2a9c0d11b74e58}); never
   * an identity's value. {@code null} otherwise.
   */
  public String exemption() {
    return extras == null || outcome != Outcome.EXEMPT ? null : extras.problem;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(outcome.name());
    if (extras != null && extras.problem != null) {
      sb.append(" (").append(extras.problem).append(')');
    }
    if (storeFailure() != null) {
      sb.append(" [store failed: ").append(storeFailure()).append(']');
    }
    for (LimitStatus s : limits()) {
      sb.append(' ').append(s.rule());
      if (s.variant() != null) {
        sb.append('@').append(s.variant());
      }
      sb.append('/')
          .append(s.limit().name())
          .append(s.passed() ? " ok " : " over ")
          .append(s.remaining());
    }
    return sb.toString();
  }
}
