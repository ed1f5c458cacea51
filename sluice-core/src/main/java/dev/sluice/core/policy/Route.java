package dev.sluice.core.policy;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The requests an endpoint rule covers: one or more HTTP methods (empty = any method) and a {@link
 * PathTemplate}.
 */
public record Route(Set<String> methods, PathTemplate path) {
  private static final Set<String> KNOWN =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");

  public Route {
    Objects.requireNonNull(methods, "methods");
    Objects.requireNonNull(path, "path");
    TreeSet<String> upper = new TreeSet<>();
    for (String m : methods) {
      Objects.requireNonNull(m, "methods: an element");
      String u = m.toUpperCase(Locale.ROOT);
      if (!KNOWN.contains(u)) {
        throw new IllegalArgumentException(
            "unknown HTTP method '" + m + "'; use one of " + new TreeSet<>(KNOWN));
      }
      upper.add(u);
    }
    methods = Set.copyOf(upper);
  }

  /**
   * Parses {@code "POST /auth/verify"}, {@code "PUT,PATCH /assets/{id}"} or {@code "/health"} (any
   * method).
   */
  public static Route parse(String text) {
    String t = text == null ? "" : text.trim();
    int slash = t.indexOf('/');
    int sp = slash <= 0 ? t.indexOf(' ') : t.lastIndexOf(' ', slash);
    if (sp < 0) {
      return new Route(Set.of(), PathTemplate.parse(t));
    }
    Set<String> methods = new TreeSet<>();
    for (String m : t.substring(0, sp).split("[,|]")) {
      if (!m.isBlank()) {
        methods.add(m.trim());
      }
    }
    return new Route(methods, PathTemplate.parse(t.substring(sp + 1).trim()));
  }

  /** Whether the route covers requests with this method (upper case). */
  public boolean coversMethod(String method) {
    return methods.isEmpty() || methods.contains(method);
  }

  @Override
  public String toString() {
    return (methods.isEmpty() ? "*" : String.join(",", new TreeSet<>(methods))) + " " + path;
  }
}
