package dev.sluice.core.policy;

import java.util.List;
import java.util.Objects;

/**
 * Who is counted: where a rule finds the identity whose bucket a request charges.
 *
 * <p>The identity itself never reaches a store: the engine hashes it (keyed SipHash-1-3, see {@code
 * Sluice}) together with the rule. A source that finds nothing yields {@code null}; {@link FirstOf}
 * then tries the next, and a rule with no identity left does what its {@link Rule.MissingKey} says.
 */
public sealed interface KeySource {

  /**
   * A short description for summaries and messages, e.g. {@code body.email}, {@code header
   * X-API-Key}.
   */
  String describe();

  /** The token of an {@code Authorization: Bearer <token>} header. */
  record Bearer() implements KeySource {
    @Override
    public String describe() {
      return "bearer token";
    }
  }

  /** The value of a request header (names are case-insensitive). */
  record Header(String name) implements KeySource {
    public Header {
      requireText(name, "header name");
    }

    @Override
    public String describe() {
      return "header " + name;
    }
  }

  /** The client's address (as the transport or a trusted proxy reports it). */
  record ClientIp() implements KeySource {
    @Override
    public String describe() {
      return "client IP";
    }
  }

  /** A field of the JSON request body; {@code path} may be dotted ({@code user.email}). */
  record BodyField(String path) implements KeySource {
    public BodyField {
      requireText(path, "body field");
    }

    @Override
    public String describe() {
      return "body field " + path;
    }
  }

  /** A {@code {param}} segment of the rule's route. */
  record PathParam(String name) implements KeySource {
    public PathParam {
      requireText(name, "path parameter");
    }

    @Override
    public String describe() {
      return "path parameter {" + name + "}";
    }
  }

  /** A query-string parameter. */
  record QueryParam(String name) implements KeySource {
    public QueryParam {
      requireText(name, "query parameter");
    }

    @Override
    public String describe() {
      return "query parameter " + name;
    }
  }

  /** The same identity for every request: one bucket shared by all. */
  record Constant(String value) implements KeySource {
    public Constant {
      requireText(value, "constant key");
    }

    @Override
    public String describe() {
      return "everyone (one shared bucket '" + value + "')";
    }
  }

  /** The first of several sources that finds an identity ("API key, else client IP"). */
  record FirstOf(List<KeySource> sources) implements KeySource {
    public FirstOf {
      sources = Checks.list(sources, "sources");
      if (sources.size() < 2) {
        throw new IllegalArgumentException("a fallback chain needs at least two sources");
      }
      for (KeySource s : sources) {
        if (s instanceof FirstOf) {
          throw new IllegalArgumentException("fallback chains do not nest; list the sources flat");
        }
      }
    }

    @Override
    public String describe() {
      StringBuilder sb = new StringBuilder();
      for (KeySource s : sources) {
        if (sb.length() > 0) {
          sb.append(", else ");
        }
        sb.append(s.describe());
      }
      return sb.toString();
    }
  }

  private static void requireText(String s, String what) {
    Objects.requireNonNull(s, what);
    if (s.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
  }
}
