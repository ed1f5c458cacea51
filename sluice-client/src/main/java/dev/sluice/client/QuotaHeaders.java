package dev.sluice.client;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a {@link QuotaReading} from a response's headers, whichever convention the server uses. In
 * order of preference:
 *
 * <ol>
 *   <li>IETF (draft-ietf-httpapi-ratelimit-headers, 07 and later): {@code RateLimit:
 *       "minute";r=42;t=17} (a list; the member a steady client would run out of first binds: the
 *       least {@code r} per second until its reset {@code t}, see {@link #binds}), whose name is
 *       looked up in {@code RateLimit-Policy: "minute";q=100;w=60} for the quota and window (a lone
 *       policy applies whatever its name).
 *   <li>IETF draft 06's dictionary: {@code RateLimit: limit=100, remaining=42, reset=17}.
 *   <li>{@code X-RateLimit-Limit}, {@code -Remaining}, {@code -Reset}, else the unprefixed {@code
 *       RateLimit-Limit}, {@code -Remaining}, {@code -Reset} of drafts 00 to 05. A limit may carry
 *       a window as in draft 03 ({@code 100, 100;w=60}); the first number counts. A field sent
 *       twice, or folded into one list by a proxy ({@code 0, 0}), is still read: the least
 *       remaining, the first limit and reset.
 * </ol>
 *
 * Each part is taken only if it reads as a non-negative number; a garbled part is left empty rather
 * than failing the reading. See {@link QuotaReading} for how resets are interpreted.
 */
final class QuotaHeaders {
  /** Below this, a reset is seconds from now; see {@link QuotaReading}. */
  static final long EPOCH_SECONDS_FROM = 1_000_000_000L;

  /** From this on, a reset is epoch milliseconds. */
  static final long EPOCH_MILLIS_FROM = 1_000_000_000_000L;

  private QuotaHeaders() {}

  /** The reading in {@code headers}, received at {@code receivedAt}, or {@code null} if none. */
  static QuotaReading parse(HttpHeaders headers, Instant receivedAt) {
    List<FieldList.Member> policies = FieldList.parse(headers.allValues("RateLimit-Policy"));
    QuotaReading ietf = ietf(FieldList.parse(headers.allValues("RateLimit")), policies, receivedAt);
    if (ietf != null) {
      return ietf;
    }
    for (String prefix : new String[] {"X-RateLimit-", "RateLimit-"}) {
      String limitField = headers.firstValue(prefix + "Limit").orElse(null);
      List<String> remainingFields = headers.allValues(prefix + "Remaining");
      String remainingField = remainingFields.isEmpty() ? null : remainingFields.get(0);
      String resetField = headers.firstValue(prefix + "Reset").orElse(null);
      if (limitField == null && remainingField == null && resetField == null) {
        continue;
      }
      long limit = -1;
      Duration window = null;
      if (limitField != null) {
        List<FieldList.Member> members = FieldList.parse(List.of(limitField));
        if (!members.isEmpty()) {
          limit = Numbers.nonNegative(members.get(0).value());
          window = firstWindow(members);
        }
      }
      if (window == null && policies.size() == 1) {
        window = seconds(policies.get(0).params().get("w"));
      }
      long remaining = leastRemaining(remainingFields);
      Instant reset = reset(resetField, headers, receivedAt);
      if (reset == null && resetField != null) { // "30, 30": a repeated field, folded by a proxy
        List<FieldList.Member> members = FieldList.parse(List.of(resetField));
        reset = members.isEmpty() ? null : reset(members.get(0).value(), headers, receivedAt);
      }
      return reading(null, limit, remaining, reset, window);
    }
    return null;
  }

  /**
   * Whether a limit with {@code r} left until {@code t} (nanoseconds, -1 if unknown) binds before
   * one with {@code r0} until {@code t0}: the one a client spending at a steady pace runs out of
   * first, so the least {@code r} per second (an empty one before any other, the later reset first
   * among equals). "50 left in 30 s" does not bind before "100 left today": pacing by it would
   * spend the day's in a minute. Without both resets, the least {@code r}.
   */
  static boolean binds(long r, long t, long r0, long t0) {
    if (r == 0 || r0 == 0 || t <= 0 || t0 <= 0) {
      return r < r0 || (r == r0 && t > t0);
    }
    double rate = (double) r / t;
    double rate0 = (double) r0 / t0;
    return rate < rate0 || (rate == rate0 && t > t0);
  }

  private static QuotaReading ietf(
      List<FieldList.Member> items, List<FieldList.Member> policies, Instant receivedAt) {
    FieldList.Member binding = null;
    long bindingR = Long.MAX_VALUE;
    long bindingT = -1;
    Map<String, String> dictionary = new HashMap<>();
    for (FieldList.Member m : items) {
      int eq = m.value().indexOf('=');
      if (eq > 0 && !m.params().containsKey("r")) { // not "a=b";r=1: a quoted name with a '='
        dictionary.putIfAbsent(
            m.value().substring(0, eq).strip().toLowerCase(Locale.ROOT),
            m.value().substring(eq + 1).strip());
        continue;
      }
      long r = Numbers.nonNegative(m.params().get("r"));
      if (r < 0) {
        continue;
      }
      Numbers.Decimal t = Numbers.decimal(m.params().get("t"));
      long tNanos = t == null ? -1 : t.secondsAsNanos();
      if (binding == null || binds(r, tNanos, bindingR, bindingT)) {
        binding = m;
        bindingR = r;
        bindingT = tNanos;
      }
    }
    if (binding != null) {
      String name = binding.value().isEmpty() ? null : binding.value();
      FieldList.Member policy = null;
      for (FieldList.Member p : policies) {
        if (name != null && name.equals(p.value())) {
          policy = p;
          break;
        }
      }
      if (policy == null && policies.size() == 1) {
        policy = policies.get(0);
      }
      long limit = -1;
      Duration window = null;
      if (policy != null) {
        String q = policy.params().get("q");
        limit = Numbers.nonNegative(q != null ? q : policy.value());
        window = seconds(policy.params().get("w"));
      }
      Instant reset = bindingT < 0 ? null : receivedAt.plusNanos(bindingT);
      return reading(name, limit, bindingR, reset, window);
    }
    if (dictionary.containsKey("remaining")
        || dictionary.containsKey("limit")
        || dictionary.containsKey("reset")) {
      String limitValue = dictionary.get("limit");
      long limit =
          limitValue == null ? -1 : Numbers.nonNegative(FieldList.split(limitValue, ';').get(0));
      Numbers.Decimal reset = Numbers.decimal(dictionary.get("reset"));
      return reading(
          null,
          limit,
          Numbers.nonNegative(dictionary.get("remaining")),
          reset == null ? null : receivedAt.plusNanos(reset.secondsAsNanos()),
          policies.size() == 1 ? seconds(policies.get(0).params().get("w")) : null);
    }
    return null;
  }

  /** A reset value: delta seconds, epoch seconds or epoch milliseconds by magnitude, or a date. */
  static Instant reset(String value, HttpHeaders headers, Instant receivedAt) {
    if (value == null) {
      return null;
    }
    Numbers.Decimal d = Numbers.decimal(value);
    if (d == null) {
      Instant date = HttpDates.parse(value);
      return date == null ? null : ServerTime.toLocal(date, headers, receivedAt);
    }
    if (d.whole() < EPOCH_SECONDS_FROM) {
      return receivedAt.plusNanos(d.secondsAsNanos());
    }
    Instant server =
        d.whole() < EPOCH_MILLIS_FROM
            ? Instant.ofEpochSecond(d.whole(), d.billionths())
            : Instant.ofEpochMilli(d.whole());
    return ServerTime.toLocal(server, headers, receivedAt);
  }

  /**
   * The least of the remaining counts in {@code fields}: a field repeated (two lines, or one folded
   * into {@code "0, 0"} by a proxy) or listing several limits; -1 if none is a number.
   */
  private static long leastRemaining(List<String> fields) {
    long least = -1;
    for (FieldList.Member m : FieldList.parse(fields)) {
      long r = Numbers.nonNegative(m.value());
      if (r >= 0 && (least < 0 || r < least)) {
        least = r;
      }
    }
    return least;
  }

  private static Duration firstWindow(List<FieldList.Member> members) {
    for (FieldList.Member m : members) {
      Duration w = seconds(m.params().get("w"));
      if (w != null) {
        return w;
      }
    }
    return null;
  }

  private static Duration seconds(String value) {
    Numbers.Decimal d = Numbers.decimal(value);
    if (d == null || (d.whole() == 0 && d.billionths() == 0)) {
      return null;
    }
    return Duration.ofSeconds(d.whole(), d.billionths());
  }

  private static QuotaReading reading(
      String name, long limit, long remaining, Instant reset, Duration window) {
    if (limit < 0 && remaining < 0 && reset == null) {
      return null;
    }
    return new QuotaReading(name, limit, remaining, reset, window);
  }
}
