package dev.sluice.config;

import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.KeySourceProvider;
import dev.sluice.core.policy.Route;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads "who is counted": {@code bearer}, {@code ip} (or {@code ip/56}, {@code ip/56/24}: IPv6 and
 * IPv4 grouping prefixes), {@code header:NAME}, {@code body:FIELD}, {@code path:PARAM}, {@code
 * query:NAME}, {@code const:VALUE}, a source of a {@link KeySourceProvider} on the class path
 * ({@code jwt}), any of them followed by normalisation steps ({@code body:email | email |
 * strip-tag}), the long form {@code {source: body:email, normalize: [email, strip-tag]}} (which
 * also carries a provided source's options), or a list of them, tried in order (a fallback chain,
 * {@code [header:X-API-Key, ip]}).
 */
final class KeyReader {
  static final String FORMS =
      "bearer, ip, header:NAME, body:FIELD, path:PARAM, query:NAME or const:VALUE";

  private static final List<String> WORDS = List.of("bearer", "ip");
  private static final List<String> PREFIXES = List.of("header", "body", "path", "query", "const");
  private static final List<String> LONG_FIELDS = List.of("source", "normalize");

  /** Sources that live in a module of their own, by the module that has them. */
  private static final Map<String, String> OPTIONAL = Map.of("jwt", "sluice-jwt");

  private final Function<String, String> environment;
  private final Map<String, KeySourceProvider> providers;

  /**
   * A reader that looks up providers with {@link ServiceLoader} and secrets in {@code environment}.
   */
  KeyReader(Function<String, String> environment) {
    this(environment, loadProviders());
  }

  KeyReader(Function<String, String> environment, Map<String, KeySourceProvider> providers) {
    this.environment = environment;
    this.providers = providers;
  }

  private static Map<String, KeySourceProvider> loadProviders() {
    Map<String, KeySourceProvider> out = new LinkedHashMap<>();
    for (KeySourceProvider p :
        ServiceLoader.load(KeySourceProvider.class, KeyReader.class.getClassLoader())) {
      out.putIfAbsent(p.name().toLowerCase(Locale.ROOT), p);
    }
    return out;
  }

  /** An HTTP header name: an RFC 9110 token. */
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private static final Pattern PARAM = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * The key at {@code at}. {@code route} is the rule's route, against which {@code path:} sources
   * are checked; {@code null} for the global rule and for the policy's default key, where {@code
   * path:} is refused (there is no route to read it from), {@code owner} saying which of the two it
   * is.
   */
  KeySource read(At at, Route route, String owner) {
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

  private KeySource source(At at, Route route, String owner) {
    if (at.node instanceof MappingNode m && hasSourceField(m)) {
      return longForm(at, route, owner);
    }
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
    int pipe = text.indexOf('|');
    if (pipe < 0 || text.regionMatches(true, 0, "const:", 0, 6)) {
      return plain(at, text, route, owner, Map.of());
    }
    KeySource base = plain(at, text.substring(0, pipe).trim(), route, owner, Map.of());
    List<String> steps = new ArrayList<>();
    for (String step : text.substring(pipe + 1).split("\\|", -1)) {
      steps.add(step.trim());
    }
    return normalized(at, base, steps);
  }

  private static boolean hasSourceField(MappingNode m) {
    return m.getValue().stream()
        .anyMatch(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("source"));
  }

  /** {@code {source: body:email, normalize: [email, strip-tag]}}, {@code {source: jwt, ...}}. */
  private KeySource longForm(At at, Route route, String owner) {
    Fields any = at.fields("a key source", null);
    At sourceAt = any.get("source");
    String text = sourceAt.text("a key source (" + FORMS + ")");
    if (text.indexOf('|') >= 0) {
      throw sourceAt.fail(
          "in the long form, normalisation goes in 'normalize:', e.g. {source: body:email,"
              + " normalize: [email]}");
    }
    String kind = kind(text);
    KeySourceProvider provider = providers.get(kind);
    List<String> allowed = new ArrayList<>(LONG_FIELDS);
    if (provider != null) {
      allowed.addAll(provider.options());
    }
    Fields f = at.fields("a key source", allowed);
    Map<String, At> options = new LinkedHashMap<>();
    for (String name : f.names()) {
      if (!LONG_FIELDS.contains(name)) {
        options.put(name, f.get(name));
      }
    }
    if (provider == null && !options.isEmpty()) {
      throw f.get(options.keySet().iterator().next()).fail("'" + text + "' takes no options");
    }
    KeySource base = plain(sourceAt, text, route, owner, options);
    if (!f.has("normalize")) {
      return base;
    }
    List<String> steps = new ArrayList<>();
    for (At step : f.get("normalize").oneOrMany()) {
      steps.add(step.text("a normalisation step (" + String.join(", ", labels()) + ")"));
    }
    return normalized(f.get("normalize"), base, steps);
  }

  private static List<String> labels() {
    return KeySource.Normalization.labels();
  }

  private static KeySource normalized(At at, KeySource base, List<String> written) {
    Set<KeySource.Normalization> steps = EnumSet.noneOf(KeySource.Normalization.class);
    for (String step : written) {
      if (step.isEmpty()) {
        throw at.fail(
            "an empty normalisation step; write steps after '|', e.g. body:email | email");
      }
      KeySource.Normalization n = KeySource.Normalization.fromLabel(step);
      if (n == null) {
        String near = Suggest.nearest(step, labels());
        throw at.fail(
            "unknown normalisation '"
                + step
                + "'; "
                + (near != null ? "did you mean '" + near + "'?" : "valid: ")
                + (near != null ? "" : String.join(", ", labels())));
      }
      if (!steps.add(n)) {
        throw at.fail("normalisation '" + step + "' is given twice; keep one");
      }
    }
    try {
      return new KeySource.Normalized(base, steps);
    } catch (IllegalArgumentException e) {
      throw at.fail(e.getMessage());
    }
  }

  private static String kind(String text) {
    int colon = text.indexOf(':');
    int slash = text.indexOf('/');
    int end = colon < 0 ? (slash < 0 ? text.length() : slash) : colon;
    return text.substring(0, end).trim().toLowerCase(Locale.ROOT);
  }

  /** One source without normalisation; {@code options} are a provided source's long form. */
  private KeySource plain(At at, String text, Route route, String owner, Map<String, At> options) {
    if (text.isEmpty()) {
      throw at.fail("expected a key source before '|' (" + FORMS + ")");
    }
    int colon = text.indexOf(':');
    String kind = (colon < 0 ? text : text.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
    String name = colon < 0 ? null : text.substring(colon + 1).trim();
    if (colon < 0 && WORDS.contains(kind)) {
      return kind.equals("bearer") ? new KeySource.Bearer() : new KeySource.ClientIp();
    }
    if (colon < 0 && kind.startsWith("ip/")) {
      return clientIp(at, text);
    }
    KeySourceProvider provider = providers.get(kind);
    if (provider != null) {
      return provided(at, provider, name, options);
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

  /** {@code ip/56} (IPv6 clients by /56) or {@code ip/56/24} (and IPv4 clients by /24). */
  private static KeySource clientIp(At at, String text) {
    String[] parts = text.split("/", -1);
    if (parts.length > 3) {
      throw at.fail(
          "'" + text + "' has too many prefixes; write ip/V6 or ip/V6/V4, e.g. ip/56 or ip/64/24");
    }
    int v6 = prefix(at, text, parts[1], 128, "IPv6");
    int v4 = parts.length == 3 ? prefix(at, text, parts[2], 32, "IPv4") : 32;
    return new KeySource.ClientIp(v6, v4);
  }

  private static int prefix(At at, String text, String p, int max, String family) {
    String t = p.trim();
    if (t.isEmpty() || t.length() > 3 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw at.fail(
          "'"
              + text
              + "': '"
              + p
              + "' is not a prefix length; write ip/V6 or ip/V6/V4 with whole numbers,"
              + " e.g. ip/56 (IPv6 clients by /56) or ip/64/24 (and IPv4 clients by /24)");
    }
    int bits = Integer.parseInt(t);
    if (bits < 1 || bits > max) {
      throw at.fail(
          "'"
              + text
              + "': an "
              + family
              + " prefix length must be from 1 to "
              + max
              + ", got "
              + bits);
    }
    return bits;
  }

  private KeySource provided(
      At at, KeySourceProvider provider, String argument, Map<String, At> options) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, At> e : options.entrySet()) {
      values.put(e.getKey(), e.getValue().text("a value for '" + e.getKey() + "'"));
    }
    try {
      return provider.create(
          argument == null || argument.isEmpty() ? null : argument, values, environment);
    } catch (KeySourceProvider.BadOption e) {
      At where = options.get(e.option());
      throw (where != null ? where : at).fail(e.getMessage());
    } catch (IllegalArgumentException e) {
      throw at.fail(e.getMessage());
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

  private PolicyException unknown(At at, String text, String kind, String name) {
    String module = OPTIONAL.get(kind);
    if (module != null) {
      return at.fail(
          "key source '"
              + kind
              + "' is in the "
              + module
              + " module, which is not on the class path; add it (the sluice command has it)");
    }
    List<String> words = new ArrayList<>(WORDS);
    List<String> prefixes = new ArrayList<>(PREFIXES);
    for (String p : providers.keySet()) {
      words.add(p);
      prefixes.add(p);
    }
    String near;
    if (name == null) {
      near = Suggest.nearest(kind, words);
      if (near == null) {
        String prefix = Suggest.nearest(kind, PREFIXES);
        near = prefix == null ? null : prefix + ":NAME";
      }
    } else {
      String prefix = Suggest.nearest(kind, prefixes);
      near = prefix == null ? null : prefix + ":" + name;
    }
    String forms =
        providers.isEmpty() ? FORMS : FORMS + ", " + String.join(", ", providers.keySet());
    return at.fail(
        "unknown key source '"
            + text
            + "'; "
            + (near != null ? "did you mean '" + near + "'?" : "valid: " + forms));
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
