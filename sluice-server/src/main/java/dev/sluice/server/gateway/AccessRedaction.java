package dev.sluice.server.gateway;

import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.PathTemplate;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What of a request the access log must not write because a policy counts identities by it: a path
 * segment a rule keys on ({@code key: path:account} on {@code /v1/{account}/...}) is written as
 * {@code {account}}, and a header a rule keys on (the user agent, say) is written as {@code -}. The
 * query string is never written (keys travel in it: {@code ?api_key=}), nor the referrer's, nor any
 * other header.
 *
 * <p>Built once per policy, on the log's thread; what it costs a line is a walk over the templates
 * that key on a path segment, usually none.
 */
final class AccessRedaction {
  private final Policy policy;
  private final List<Segment> segments;
  private final Set<String> headers;

  private record Segment(PathTemplate template, int index, String name) {}

  private AccessRedaction(Policy policy, List<Segment> segments, Set<String> headers) {
    this.policy = policy;
    this.segments = segments;
    this.headers = headers;
  }

  /** What {@code policy} hides. */
  static AccessRedaction of(Policy policy) {
    List<Segment> segments = new ArrayList<>();
    Set<String> headers = new HashSet<>();
    for (Rule r : policy.rules()) {
      List<KeySource> keys = new ArrayList<>();
      flatten(r.key(), keys);
      for (KeySource k : keys) {
        if (k instanceof KeySource.Header h) {
          headers.add(h.name().toLowerCase(Locale.ROOT));
        } else if (k instanceof KeySource.PathParam p && r.route() != null) {
          PathTemplate t = r.route().path();
          for (int i = 0; i < t.size(); i++) {
            if (t.isParam(i) && t.segment(i).equals(p.name())) {
              segments.add(new Segment(t, i, p.name()));
            }
          }
        }
      }
    }
    return new AccessRedaction(policy, List.copyOf(segments), Set.copyOf(headers));
  }

  private static void flatten(KeySource k, List<KeySource> out) {
    if (k instanceof KeySource.Normalized n) {
      flatten(n.source(), out);
    } else if (k instanceof KeySource.FirstOf f) {
      f.sources().forEach(s -> flatten(s, out));
    } else if (k != null) {
      out.add(k);
    }
  }

  /** Whether this was made for {@code p}. */
  boolean isFor(Policy p) {
    return policy == p;
  }

  /** Whether header {@code lowerCaseName} names identities, and so is not written. */
  boolean hidesHeader(String lowerCaseName) {
    return headers.contains(lowerCaseName);
  }

  /** {@code path} with each segment a rule keys on replaced by its {@code {name}}. */
  String path(String path) {
    if (segments.isEmpty()) {
      return path;
    }
    String[] parts = null;
    for (Segment s : segments) {
      if (parts == null) {
        parts = path.split("/", -1); // parts[0] is the empty text before the leading '/'
      }
      if (matches(s.template(), parts)) {
        parts[s.index() + 1] = "{" + s.name() + "}";
      }
    }
    return String.join("/", parts);
  }

  private static boolean matches(PathTemplate t, String[] parts) {
    int n = parts.length - 1;
    if (n > 0 && parts[n].isEmpty()) {
      n--; // a trailing slash
    }
    if (n < t.size() || (n > t.size() && !t.isCatchAll())) {
      return false;
    }
    for (int i = 0; i < t.size(); i++) {
      String part = parts[i + 1];
      if (part.isEmpty() || (!t.isParam(i) && !t.segment(i).equals(part))) {
        return false;
      }
    }
    return true;
  }
}
