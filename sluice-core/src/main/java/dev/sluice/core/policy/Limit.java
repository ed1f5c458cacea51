package dev.sluice.core.policy;

import dev.sluice.core.limit.Meter;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One limit: {@code permits} units per {@code window}, counted by {@code algorithm}.
 *
 * <p>{@code name} identifies the limit in headers ({@code RateLimit-Policy: "minute";q=100;w=60}),
 * denial bodies and metrics; it is unique within a policy. {@code burst} only matters for {@link
 * Algorithm#TOKEN_BUCKET}: how many units may be taken at once from a full bucket (for the other
 * algorithms it equals {@code permits}).
 *
 * @param name a name of letters, digits, {@code .}, {@code _} or {@code -}
 * @param permits units per window, 1 to 2<sup>31</sup>-1
 * @param window the span counted over
 * @param algorithm how the units are counted; a {@link Window.Lifetime} is always a plain counter
 * @param burst for a token bucket, its capacity (1 to 2<sup>31</sup>-1); otherwise {@code permits}
 */
public record Limit(String name, long permits, Window window, Algorithm algorithm, long burst) {

  /** The largest number of permits or burst a limit may have. */
  public static final long MAX_PERMITS = Integer.MAX_VALUE;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public Limit {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(algorithm, "algorithm");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "limit name '" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    if (permits < 1 || permits > MAX_PERMITS) {
      throw new IllegalArgumentException(
          "permits must be between 1 and " + MAX_PERMITS + ", got " + permits);
    }
    if (window instanceof Window.Lifetime && algorithm != Algorithm.FIXED_WINDOW) {
      throw new IllegalArgumentException(
          "a lifetime budget never refills, so it is counted as a plain counter ('fixed'), not '"
              + algorithm.label()
              + "'");
    }
    if (!algorithm.hasBurst()) {
      if (burst != permits) {
        throw new IllegalArgumentException(
            "burst only applies to token-bucket limits; '" + algorithm.label() + "' has none");
      }
    } else if (burst < 1 || burst > MAX_PERMITS) {
      throw new IllegalArgumentException(
          "burst must be between 1 and " + MAX_PERMITS + ", got " + burst);
    }
    String beyondItsArithmetic =
        switch (algorithm) {
          case FIXED_WINDOW, SLIDING_WINDOW -> null;
          case TOKEN_BUCKET -> beyondGcra(permits, window, burst);
        };
    if (beyondItsArithmetic != null) {
      throw new IllegalArgumentException(beyondItsArithmetic);
    }
  }

  /**
   * Why GCRA cannot count this token bucket exactly, or {@code null}: its emission interval would
   * round up from below one microsecond, or its tolerance (burst times interval) would pass
   * 2<sup>61</sup> µs, where its timestamps could overflow.
   */
  private static String beyondGcra(long permits, Window window, long burst) {
    if (permits > window.micros()) {
      return "a token bucket refills at most one unit per microsecond, and "
          + permits
          + "/"
          + window.label()
          + " is faster; use a fixed or sliding window for this rate";
    }
    if ((window.micros() / permits + 1) > (1L << 61) / burst) {
      return "burst "
          + burst
          + " at "
          + permits
          + "/"
          + window.label()
          + " would bank more than 70,000 years of credit; lower the burst or shorten the"
          + " window";
    }
    return null;
  }

  /** A fixed-window limit. */
  public static Limit fixed(String name, long permits, Window window) {
    return new Limit(name, permits, window, Algorithm.FIXED_WINDOW, permits);
  }

  /** A sliding-window limit. */
  public static Limit sliding(String name, long permits, Window window) {
    return new Limit(name, permits, window, Algorithm.SLIDING_WINDOW, permits);
  }

  /** A token bucket refilling {@code permits} per {@code window}, holding at most {@code burst}. */
  public static Limit tokenBucket(String name, long permits, Window window, long burst) {
    return new Limit(name, permits, window, Algorithm.TOKEN_BUCKET, burst);
  }

  /** {@code true} for a budget that never refills. */
  public boolean isLifetime() {
    return window instanceof Window.Lifetime;
  }

  /** The most units one request may ever take: the burst of a token bucket, else the permits. */
  public long capacity() {
    return algorithm.hasBurst() ? burst : permits;
  }

  /** The rate as a policy file writes it: {@code 100/minute}, {@code 5/lifetime}. */
  public String rate() {
    return permits + "/" + window.label();
  }

  /**
   * The rate and how it is counted, as a policy file writes it: {@code 100/minute}, {@code
   * 100/minute sliding}, {@code 10/second token-bucket burst 20}, {@code 5/lifetime}. Each
   * algorithm's meter words it; the text is stable across releases (it names an override's own
   * limits in the store).
   */
  public String describe() {
    return Meter.of(this).describe();
  }

  /**
   * The limit in words, for people reviewing a policy: {@code 100 per minute (fixed window)},
   * {@code 5,000 per 15 minutes (sliding window)}, {@code 10 per second (token bucket, bursts of up
   * to 20)}, {@code 5 in total, never refilled (forgotten 30 days after first use)}. Each
   * algorithm's meter words it.
   */
  public String summary() {
    return Meter.of(this).summary();
  }

  /** The name and {@link #describe()}: {@code minute 100/minute}. */
  @Override
  public String toString() {
    return name + " " + describe();
  }
}
