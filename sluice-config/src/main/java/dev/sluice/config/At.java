package dev.sluice.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A YAML node and where it stands: the file, its line and column, and its field path from the top
 * ({@code rules[2].limits[0]}). Every reader works through one, so every error it raises is located
 * at the text that caused it.
 */
final class At {
  final String source;
  final Node node;
  final String field;

  At(String source, Node node, String field) {
    this.source = source;
    this.node = node;
    this.field = field;
  }

  /** The value of field {@code name} of this mapping. */
  At child(String name, Node value) {
    return new At(source, value, field.isEmpty() ? name : field + "." + name);
  }

  /** Element {@code index} of this list. */
  At element(int index, Node value) {
    return new At(source, value, field + "[" + index + "]");
  }

  /** An error at this node: {@code problem} says what is wrong and what would be right. */
  PolicyException fail(String problem) {
    return failAt(node, field, problem);
  }

  /** An error at {@code where} (e.g. a mapping key), reported under field path {@code path}. */
  PolicyException failAt(Node where, String path, String problem) {
    Mark m = where.getStartMark().orElse(null);
    int line = m == null ? 1 : m.getLine() + 1;
    int column = m == null ? 1 : m.getColumn() + 1;
    return new PolicyException(source, line, column, path, problem);
  }

  boolean isNull() {
    return Yaml.isNull(node);
  }

  boolean isList() {
    return node instanceof SequenceNode;
  }

  boolean isMapping() {
    return node instanceof MappingNode;
  }

  /** What the node is, for messages: {@code a list}, {@code a mapping}, {@code '100/minit'}. */
  String describe() {
    return describe(node);
  }

  static String describe(Node node) {
    if (Yaml.isNull(node)) {
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

  /**
   * The node's text, trimmed; fails unless it is a non-empty scalar. {@code expected} completes
   * "expected ...", e.g. {@code "a route such as 'POST /auth/verify'"}.
   */
  String text(String expected) {
    if (!(node instanceof ScalarNode) || isNull()) {
      throw fail("expected " + expected + ", found " + describe());
    }
    String s = ((ScalarNode) node).getValue().trim();
    if (s.isEmpty()) {
      throw fail("expected " + expected + ", found an empty string");
    }
    return s;
  }

  /** A whole number in {@code [min, max]}; {@code what} names it in messages. */
  long wholeNumber(String what, long min, long max) {
    String s = text(what + " (a whole number)");
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

  /** The elements of this list; fails unless the node is a list. */
  List<At> list(String expected) {
    if (!(node instanceof SequenceNode)) {
      throw fail("expected " + expected + ", found " + describe());
    }
    List<Node> nodes = ((SequenceNode) node).getValue();
    List<At> out = new ArrayList<>(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      out.add(element(i, nodes.get(i)));
    }
    return out;
  }

  /** The elements of this list, or this node alone when it is not a list ("one or several"). */
  List<At> oneOrMany() {
    return isList() ? list("a list") : List.of(this);
  }

  /**
   * This mapping's fields, checked against {@code allowed}: an unknown field fails naming the
   * nearest allowed one, a repeated field fails naming the first. {@code expected} says what the
   * mapping should be, for when it is not one.
   */
  Fields fields(String expected, List<String> allowed) {
    return fields(expected, allowed, Map.of());
  }

  /**
   * {@link #fields(String, List)}, where a field in {@code misplaced} (one that belongs elsewhere)
   * fails with its own message rather than a suggestion.
   */
  Fields fields(String expected, List<String> allowed, Map<String, String> misplaced) {
    if (!(node instanceof MappingNode)) {
      throw fail("expected " + expected + ", found " + describe());
    }
    return new Fields(this, (MappingNode) node, allowed, misplaced);
  }

  /** The 1-based line of this node, for messages that point back to it. */
  int line() {
    return node.getStartMark().map(m -> m.getLine() + 1).orElse(1);
  }
}
