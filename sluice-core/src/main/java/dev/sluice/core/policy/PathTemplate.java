package dev.sluice.core.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A route's path: literal segments and {@code {param}} segments, e.g. {@code
 * /assets/{id}/download}.
 *
 * <p>Matching is segment by segment on the request's canonical path ({@link
 * dev.sluice.core.http.CanonicalPath}), so a literal segment must itself be canonical ({@code
 * magic-link}, not {@code magic%2Dlink}, {@code a;b} or {@code a.}); a trailing slash is ignored,
 * so {@code /assets/} matches {@code /assets}. A {@code {param}} matches exactly one non-empty
 * segment. A final {@code **} matches any remainder, including none. There is no other wildcard: a
 * {@code *} anywhere else is refused, as are {@code .} and {@code ..} segments.
 */
public final class PathTemplate {
  private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:@%-]+");

  private final String text;
  private final List<String> segments;
  private final boolean[] isParam;
  private final boolean catchAll;

  private PathTemplate(String text, List<String> segments, boolean[] isParam, boolean catchAll) {
    this.text = text;
    this.segments = segments;
    this.isParam = isParam;
    this.catchAll = catchAll;
  }

  /** Parses a template; throws {@link IllegalArgumentException} saying what is wrong. */
  public static PathTemplate parse(String text) {
    if (text == null || !text.startsWith("/")) {
      throw new IllegalArgumentException("a path must start with '/', got '" + text + "'");
    }
    List<String> segs = new ArrayList<>();
    List<Boolean> params = new ArrayList<>();
    boolean catchAll = false;
    String[] parts = text.substring(1).split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (p.isEmpty()) {
        if (i == parts.length - 1) {
          break; // trailing slash, or "/" itself
        }
        throw new IllegalArgumentException("empty segment ('//') in path '" + text + "'");
      }
      if (p.equals("**")) {
        if (i != parts.length - 1) {
          throw new IllegalArgumentException("'**' may only end a path, in '" + text + "'");
        }
        catchAll = true;
        break;
      }
      if (p.startsWith("{")) {
        var m = PARAM.matcher(p);
        if (!m.matches()) {
          throw new IllegalArgumentException(
              "bad parameter segment '"
                  + p
                  + "' in '"
                  + text
                  + "': write {name} with letters, digits or '_'");
        }
        for (int j = 0; j < segs.size(); j++) { // a literal of the same text is no duplicate
          if (params.get(j) && segs.get(j).equals(m.group(1))) {
            throw new IllegalArgumentException(
                "parameter {" + m.group(1) + "} appears twice in '" + text + "'");
          }
        }
        segs.add(m.group(1));
        params.add(true);
      } else {
        if (!LITERAL.matcher(p).matches()) {
          throw new IllegalArgumentException("bad segment '" + p + "' in path '" + text + "'");
        }
        if (p.indexOf('*') >= 0) { // it would be a literal '*', which no one means
          throw new IllegalArgumentException(
              "'"
                  + p
                  + "' in '"
                  + text
                  + "' is no wildcard: {name}"
                  + " matches one segment and a final ** any remainder");
        }
        if (p.equals(".") || p.equals("..")) { // servers resolve them: no request path has one
          throw new IllegalArgumentException(
              "dot segment '"
                  + p
                  + "' in '"
                  + text
                  + "' can never"
                  + " match: request paths are matched with their dot segments resolved");
        }
        String canonical;
        try {
          canonical = dev.sluice.core.http.CanonicalPath.of("/" + p).substring(1);
        } catch (dev.sluice.core.http.InvalidRequestException e) {
          canonical = null;
        }
        if (!p.equals(canonical)) { // it could never match: request paths are matched canonical
          throw new IllegalArgumentException(
              "segment '"
                  + p
                  + "' in '"
                  + text
                  + "' can never match: request paths are matched in canonical form"
                  + (canonical == null || canonical.isEmpty()
                      ? " (see the policy format's path treatments)"
                      : ", where it reads '" + canonical + "'"));
        }
        segs.add(p);
        params.add(false);
      }
    }
    boolean[] isParam = new boolean[params.size()];
    for (int i = 0; i < isParam.length; i++) {
      isParam[i] = params.get(i);
    }
    return new PathTemplate(text, Collections.unmodifiableList(segs), isParam, catchAll);
  }

  /** Number of segments, not counting a final {@code **}. */
  public int size() {
    return segments.size();
  }

  /** The literal text, or the parameter name, of segment {@code i}. */
  public String segment(int i) {
    return segments.get(i);
  }

  /** Whether segment {@code i} is a {@code {param}}. */
  public boolean isParam(int i) {
    return isParam[i];
  }

  /** Whether the template ends with {@code **}. */
  public boolean isCatchAll() {
    return catchAll;
  }

  /** Whether the template declares parameter {@code name}. */
  public boolean hasParam(String name) {
    for (int i = 0; i < segments.size(); i++) {
      if (isParam[i] && segments.get(i).equals(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The value of parameter {@code name} in {@code path} (which this template matches), or {@code
   * null}.
   */
  public String extract(String path, String name) {
    int seg = 0;
    int start = 1;
    int n = path.length();
    while (start <= n && seg < segments.size()) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      if (isParam[seg] && segments.get(seg).equals(name)) {
        return end > start ? path.substring(start, end) : null;
      }
      seg++;
      start = end + 1;
    }
    return null;
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PathTemplate t && t.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
