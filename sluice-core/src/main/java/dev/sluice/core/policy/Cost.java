package dev.sluice.core.policy;

import java.util.Objects;

/**
 * How many units a request takes from each limit of a rule: a constant (default 1; a bulk endpoint
 * can cost N), or a number read from the request with a default and a ceiling.
 */
public sealed interface Cost {

  /** The cost of an ordinary request: one unit. */
  Cost ONE = new Fixed(1);

  /** A request costs {@code units} (0 is allowed: it reads the limits without charging them). */
  record Fixed(long units) implements Cost {
    public Fixed {
      if (units < 0 || units > Limit.MAX_PERMITS) {
        throw new IllegalArgumentException(
            "cost must be between 0 and " + Limit.MAX_PERMITS + ", got " + units);
      }
    }

    @Override
    public String toString() {
      return Long.toString(units);
    }
  }

  /** Where a request-derived cost is read. */
  enum From {
    HEADER,
    QUERY,
    BODY
  }

  /**
   * A cost read from the request: a non-negative integer in header, query parameter or JSON body
   * field {@code name}; {@code defaultUnits} when absent. A value that is not an integer in {@code
   * [0, max]} makes the request invalid (a 400 at the gateway), never a silent default.
   */
  record FromRequest(From from, String name, long defaultUnits, long max) implements Cost {
    public FromRequest {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("cost source name must not be blank");
      }
      if (max < 1 || max > Limit.MAX_PERMITS) {
        throw new IllegalArgumentException("cost max must be between 1 and " + Limit.MAX_PERMITS);
      }
      if (defaultUnits < 0 || defaultUnits > max) {
        throw new IllegalArgumentException("default cost must be between 0 and max (" + max + ")");
      }
    }

    @Override
    public String toString() {
      return from.name().toLowerCase(java.util.Locale.ROOT)
          + " "
          + name
          + " (default "
          + defaultUnits
          + ", max "
          + max
          + ")";
    }
  }
}
