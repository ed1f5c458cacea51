package dev.sluice.config;

import dev.sluice.core.policy.Cost;
import dev.sluice.core.policy.Limit;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads what a request costs: a whole number ({@code cost: 5}), or a number read from the request
 * ({@code cost: {query: count, default: 1, max: 100}}, or {@code header:} or {@code body:} instead
 * of {@code query:}).
 */
final class CostReader {
  static final List<String> FIELDS = List.of("query", "header", "body", "default", "max");
  private static final String FORMS =
      "a whole number (cost: 5) or a number read from the request"
          + " (cost: {query: count, default: 1, max: 100})";

  private CostReader() {}

  /** The cost at {@code at} of a rule holding {@code limits}. */
  static Cost read(At at, List<Limit> limits) {
    if (at.isMapping()) {
      return fromRequest(at, limits);
    }
    if (!(at.node instanceof ScalarNode) || at.isNull() || !at.text(FORMS).matches("-?\\d+")) {
      throw at.fail("expected " + FORMS + ", found " + at.describe());
    }
    long units = at.wholeNumber("the cost", 0, Limit.MAX_PERMITS);
    for (Limit l : limits) {
      if (units > l.capacity()) {
        throw at.fail(
            "a request costing "
                + units
                + " can never pass limit '"
                + l.name()
                + "' ("
                + Words.count(l.capacity())
                + " per "
                + l.window().label()
                + "): every request would be denied; lower the cost or raise the limit");
      }
    }
    return new Cost.Fixed(units);
  }

  private static Cost fromRequest(At at, List<Limit> limits) {
    Fields f = at.fields(FORMS, FIELDS);
    List<String> given = new ArrayList<>();
    for (String source : List.of("query", "header", "body")) {
      if (f.has(source)) {
        given.add(source);
      }
    }
    if (given.size() != 1) {
      throw at.fail(
          given.isEmpty()
              ? "say where the cost is read: query: NAME, header: NAME or body: FIELD"
              : "the cost is read from one place; it names " + String.join(" and ", given));
    }
    String where = given.get(0);
    At nameAt = f.get(where);
    String name =
        nameAt.text(
            "the name of the "
                + (where.equals("body")
                    ? "body field"
                    : where.equals("query") ? "query parameter" : "header")
                + " holding the cost");
    long capacity = Limit.MAX_PERMITS;
    for (Limit l : limits) {
      capacity = Math.min(capacity, l.capacity());
    }
    At maxAt = f.get("max");
    long max = maxAt == null ? capacity : maxAt.wholeNumber("max", 1, Limit.MAX_PERMITS);
    At defaultAt = f.get("default");
    long units = defaultAt == null ? Math.min(1, max) : defaultAt.wholeNumber("default", 0, max);
    Cost.From from =
        where.equals("query")
            ? Cost.From.QUERY
            : where.equals("header") ? Cost.From.HEADER : Cost.From.BODY;
    try {
      return new Cost.FromRequest(from, name, units, max);
    } catch (IllegalArgumentException e) {
      throw at.fail(e.getMessage());
    }
  }
}
