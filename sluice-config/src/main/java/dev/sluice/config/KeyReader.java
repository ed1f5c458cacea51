package dev.sluice.config;

import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads "who is counted": {@code bearer}, {@code ip}, {@code header:NAME}, {@code body:FIELD},
 * {@code path:PARAM}, {@code query:NAME}, {@code const:VALUE}, or a list of them, tried in order (a
 * fallback chain, {@code [header:X-API-Key, ip]}).
 */
final class KeyReader {
  static final String FORMS =
      "bearer, ip, header:NAME, body:FIELD, path:PARAM, query:NAME or const:VALUE";

  private static final List<String> WORDS = List.of("bearer", "ip");
  private static final List<String> PREFIXES = List.of("header", "body", "path", "query", "const");

  /** An HTTP header name: an RFC 9110 token. */
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private static final Pattern PARAM = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private KeyReader() {}

  /**
   * The key at {@code at}. {@code route} is the rule's route, against which {@code path:} sources
   * are checked; {@code null} for the global rule and for the policy's default key, where {@code
   * path:} is refused (there is no route to read it from), {@code owner} saying which of the two it
   * is.
   */
  static KeySource read(At at, Route route, String owner) {
    if (!at.isList()) {
      return source(at, route, owner);
    }
    List<At> items = at.list("a list");
    if (items.isEmpty()) {
      throw at.fail("an empty list counts no one; give at least one key source: " + FORMS);
    }
    List<KeySource> chain = new ArrayList<>();
    for (At item : items) {
      if (item.isList()) {
        throw item.fail(
            "fallback chains do not nest; list the sources flat: [header:X-API-Key, ip]");
      }
      chain.add(source(item, route, owner));
    }
    return chain.size() == 1 ? chain.get(0) : new KeySource.FirstOf(chain);
  }

  private static KeySource source(At at, Route route, String owner) {
    if (at.node instanceof MappingNode m
        && m.getValue().size() == 1
        && m.getValue().get(0).getKeyNode() instanceof ScalarNode k
        && m.getValue().get(0).getValueNode() instanceof ScalarNode v) {
      // [header: X-API-Key, ip] is a list holding a one-field mapping, not a key source.
      String written = k.getValue() + ":" + v.getValue();
      throw at.fail(
          "write '"
              + written
              + "' with no space after the colon (YAML reads '"
              + k.getValue()
              + ": "
              + v.getValue()
              + "' as a mapping)");
    }
    String text = at.text("a key source (" + FORMS + ")");
    int colon = text.indexOf(':');
    String kind = (colon < 0 ? text : text.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
    String name = colon < 0 ? null : text.substring(colon + 1).trim();
    if (colon < 0 && WORDS.contains(kind)) {
      return kind.equals("bearer") ? new KeySource.Bearer() : new KeySource.ClientIp();
    }
    if (!PREFIXES.contains(kind)) {
      throw unknown(at, text, kind, name);
    }
    if (name == null || name.isEmpty()) {
      throw at.fail("'" + kind + ":' needs a name after the colon, e.g. " + example(kind));
    }
    switch (kind) {
      case "header":
        if (!TOKEN.matcher(name).matches()) {
          throw at.fail(
              "'"
                  + name
                  + "' is not a valid HTTP header name (letters, digits and"
                  + " -_.!#$%&'*+^`|~, no spaces)");
        }
        return new KeySource.Header(name);
      case "body":
        if (name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
          throw at.fail(
              "body field '"
                  + name
                  + "' has an empty part; write fields as"
                  + " body:email or body:user.email");
        }
        return new KeySource.BodyField(name);
      case "path":
        return pathParam(at, name, route, owner);
      case "query":
        return new KeySource.QueryParam(name);
      default:
        return new KeySource.Constant(name);
    }
  }

  private static KeySource pathParam(At at, String written, Route route, String owner) {
    String name =
        written.startsWith("{") && written.endsWith("}")
            ? written.substring(1, written.length() - 1)
            : written;
    if (!PARAM.matcher(name).matches()) {
      throw at.fail(
          "'"
              + written
              + "' is not a route parameter name; write path:id for a route"
              + " such as GET /assets/{id}");
    }
    if (route == null) {
      throw at.fail(
          "path:"
              + name
              + " reads a parameter of a rule's route, and "
              + owner
              + " has no route; use path: keys only in rules");
    }
    if (!route.path().hasParam(name)) {
      List<String> params = new ArrayList<>();
      for (int i = 0; i < route.path().size(); i++) {
        if (route.path().isParam(i)) {
          params.add(route.path().segment(i));
        }
      }
      String near = Suggest.nearest(name, params);
      throw at.fail(
          "route '"
              + route.path()
              + "' has no parameter {"
              + name
              + "}; "
              + (near != null
                  ? "did you mean 'path:" + near + "'?"
                  : params.isEmpty()
                      ? "it has no {parameters} at all"
                      : "its parameters are {" + String.join("}, {", params) + "}"));
    }
    return new KeySource.PathParam(name);
  }

  private static PolicyException unknown(At at, String text, String kind, String name) {
    String near;
    if (name == null) {
      near = Suggest.nearest(kind, WORDS);
      if (near == null) {
        String prefix = Suggest.nearest(kind, PREFIXES);
        near = prefix == null ? null : prefix + ":NAME";
      }
    } else {
      String prefix = Suggest.nearest(kind, PREFIXES);
      near = prefix == null ? null : prefix + ":" + name;
    }
    return at.fail(
        "unknown key source '"
            + text
            + "'; "
            + (near != null ? "did you mean '" + near + "'?" : "valid: " + FORMS));
  }

  private static String example(String kind) {
    switch (kind) {
      case "header":
        return "header:X-API-Key";
      case "body":
        return "body:email";
      case "path":
        return "path:id";
      case "query":
        return "query:api_key";
      default:
        return "const:everyone";
    }
  }
}
