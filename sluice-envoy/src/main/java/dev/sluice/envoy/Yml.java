package dev.sluice.envoy;

import dev.sluice.config.PolicyException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * A YAML node with its file and field path, so every error is located as sluice-config's are
 * ({@code file:line:column: field: problem}).
 */
final class Yml {
  final String source;
  final Node node;
  final String field;

  private Yml(String source, Node node, String field) {
    this.source = source;
    this.node = node;
    this.field = field;
  }

  /** The single document of {@code text}, or {@code null} if it holds none. */
  static Yml compose(String text, String source) {
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(source)
            .setUseMarks(true)
            .setAllowRecursiveKeys(false)
            .setMaxAliasesForCollections(50)
            .setAllowNonScalarKeys(true)
            .build();
    Optional<Node> doc;
    try {
      doc =
          new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text)))
              .getSingleNode();
    } catch (MarkedYamlEngineException e) {
      Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
      String problem = e.getProblem() == null ? "syntax error" : e.getProblem().trim();
      throw PolicyException.at(
          source,
          mark.map(m -> m.getLine() + 1).orElse(1),
          mark.map(m -> m.getColumn() + 1).orElse(1),
          "",
          "invalid YAML: " + problem);
    } catch (YamlEngineException e) {
      throw PolicyException.at(source, 1, 1, "", "invalid YAML: " + e.getMessage());
    } catch (StackOverflowError e) {
      throw PolicyException.at(source, 1, 1, "", "the YAML is nested far too deeply");
    }
    if (doc.isEmpty() || isNull(doc.get())) {
      return null;
    }
    return new Yml(source, doc.get(), "");
  }

  static boolean isNull(Node node) {
    return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
  }

  PolicyException fail(String problem) {
    return failAt(node, field, problem);
  }

  PolicyException failAt(Node where, String path, String problem) {
    Mark m = where.getStartMark().orElse(null);
    return PolicyException.at(
        source, m == null ? 1 : m.getLine() + 1, m == null ? 1 : m.getColumn() + 1, path, problem);
  }

  String describe() {
    if (isNull(node)) {
      return "nothing (an empty value)";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    return "'" + ((ScalarNode) node).getValue() + "'";
  }

  boolean isMapping() {
    return node instanceof MappingNode;
  }

  /** The scalar's text as written (not trimmed); fails unless a scalar. */
  String scalar(String expected) {
    if (!(node instanceof ScalarNode) || isNull(node)) {
      throw fail("expected " + expected + ", found " + describe());
    }
    return ((ScalarNode) node).getValue();
  }

  /** The scalar's text trimmed, non-empty. */
  String text(String expected) {
    String s = scalar(expected).trim();
    if (s.isEmpty()) {
      throw fail("expected " + expected + ", found an empty string");
    }
    return s;
  }

  long wholeNumber(String what, long min, long max) {
    String s = text(what + " (a whole number)").replace("_", "");
    long v;
    try {
      v = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw fail("expected " + what + " (a whole number), found '" + s + "'");
    }
    if (v < min || v > max) {
      throw fail(what + " must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  boolean bool(String what) {
    String s = text(what + " (true or false)");
    switch (s) {
      case "true":
      case "True":
      case "TRUE":
        return true;
      case "false":
      case "False":
      case "FALSE":
        return false;
      default:
        throw fail("expected " + what + " (true or false), found '" + s + "'");
    }
  }

  List<Yml> list(String expected) {
    if (!(node instanceof SequenceNode)) {
      throw fail("expected " + expected + ", found " + describe());
    }
    List<Node> nodes = ((SequenceNode) node).getValue();
    List<Yml> out = new ArrayList<>(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      out.add(new Yml(source, nodes.get(i), field + "[" + i + "]"));
    }
    return out;
  }

  /**
   * The mapping's fields by name, each checked against {@code allowed} (an unknown field is
   * refused, as envoyproxy/ratelimit refuses it) and given once.
   */
  Map<String, Yml> fields(String expected, List<String> allowed) {
    if (!(node instanceof MappingNode)) {
      throw fail("expected " + expected + ", found " + describe());
    }
    Map<String, Yml> out = new LinkedHashMap<>();
    for (NodeTuple t : ((MappingNode) node).getValue()) {
      Node key = t.getKeyNode();
      if (!(key instanceof ScalarNode) || isNull(key)) {
        throw failAt(key, field, "a field name must be a word, found a " + key.getNodeType());
      }
      String name = ((ScalarNode) key).getValue();
      String path = field.isEmpty() ? name : field + "." + name;
      if (allowed != null && !allowed.contains(name)) {
        throw failAt(
            key,
            path,
            "unknown field '" + name + "'; the fields here are " + String.join(", ", allowed));
      }
      if (out.containsKey(name)) {
        throw failAt(key, path, "field '" + name + "' is given twice");
      }
      out.put(name, new Yml(source, t.getValueNode(), path));
    }
    return out;
  }

  /** The mapping's fields by name, any name, each given once. */
  Map<String, Yml> entries(String expected) {
    return fields(expected, null);
  }

  /** The 1-based line of this node. */
  int line() {
    return node.getStartMark().map(m -> m.getLine() + 1).orElse(1);
  }

  /** Whether this document is a mapping with a top-level field {@code name}. */
  boolean hasField(String name) {
    if (!(node instanceof MappingNode)) {
      return false;
    }
    for (NodeTuple t : ((MappingNode) node).getValue()) {
      if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(name)) {
        return true;
      }
    }
    return false;
  }
}
