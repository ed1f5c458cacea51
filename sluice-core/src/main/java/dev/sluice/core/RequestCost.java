package dev.sluice.core;

import dev.sluice.core.policy.Cost;
import java.util.Locale;

/** What a request costs under a rule's {@link Cost}: fixed, or read from the request. */
final class RequestCost {
  /** What {@link #of} returns for a cost present in the request but not a valid number. */
  static final long MALFORMED = -1;

  private RequestCost() {}

  /** The cost of {@code request} under {@code cost}, or {@link #MALFORMED}. */
  static long of(Cost cost, RequestView request) {
    if (cost instanceof Cost.Fixed f) {
      return f.units();
    }
    Cost.FromRequest fr = (Cost.FromRequest) cost;
    String raw;
    switch (fr.from()) {
      case HEADER:
        raw = request.header(fr.name());
        break;
      case QUERY:
        raw = request.queryParameter(fr.name());
        break;
      case BODY:
        raw = request.bodyField(fr.name());
        break;
      default:
        throw new AssertionError(fr.from());
    }
    if (raw == null) {
      return fr.defaultUnits();
    }
    String s = raw.trim();
    if (s.isEmpty() || s.length() > 10) {
      return MALFORMED;
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return MALFORMED;
      }
      v = v * 10 + (c - '0');
    }
    return v <= fr.max() ? v : MALFORMED;
  }

  /** Why {@code request}'s cost under {@code rule}'s {@link Cost.FromRequest} was refused. */
  static String problem(String rule, Cost.FromRequest fr) {
    return "rule '"
        + rule
        + "' reads the request's cost from "
        + fr.from().name().toLowerCase(Locale.ROOT)
        + " '"
        + fr.name()
        + "', which must be a whole number from 0 to "
        + fr.max();
  }
}
