package dev.sluice.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * The fields of one YAML mapping, checked when read: each name is one of the allowed ones (else
 * "unknown field 'heders'; did you mean 'headers'?") and appears once.
 */
final class Fields {
  private final At mapping;
  private final Map<String, At> values = new LinkedHashMap<>();

  Fields(At mapping, MappingNode node, List<String> allowed, Map<String, String> misplaced) {
    this.mapping = mapping;
    Map<String, Node> keys = new LinkedHashMap<>();
    for (NodeTuple t : node.getValue()) {
      Node key = t.getKeyNode();
      if (!(key instanceof ScalarNode) || Yaml.isNull(key)) {
        throw mapping.failAt(
            key,
            mapping.field,
            "a field name must be a word"
                + (allowed == null || allowed.isEmpty() ? "" : " such as '" + allowed.get(0) + "'")
                + ", found "
                + At.describe(key));
      }
      String name = ((ScalarNode) key).getValue();
      At value = mapping.child(name, t.getValueNode());
      if (misplaced.containsKey(name)) {
        throw mapping.failAt(key, value.field, misplaced.get(name));
      }
      if (allowed != null && !allowed.contains(name)) {
        String near = Suggest.nearest(name, allowed);
        throw mapping.failAt(
            key,
            value.field,
            "unknown field '"
                + name
                + "'; "
                + (near != null
                    ? "did you mean '" + near + "'?"
                    : allowed.isEmpty()
                        ? "there are none to name here"
                        : "the fields here are " + String.join(", ", allowed)));
      }
      Node first = keys.putIfAbsent(name, key);
      if (first != null) {
        int firstLine = new At(mapping.source, first, name).line();
        throw mapping.failAt(
            key,
            value.field,
            "field '" + name + "' is given twice (first on line " + firstLine + "); keep one");
      }
      values.put(name, value);
    }
  }

  /** The value of field {@code name}, or {@code null} when it is absent. */
  At get(String name) {
    return values.get(name);
  }

  /** The names present, in the order written. */
  java.util.Set<String> names() {
    return values.keySet();
  }

  /** Whether field {@code name} is present. */
  boolean has(String name) {
    return values.containsKey(name);
  }

  /** The value of field {@code name}; fails at the mapping when it is absent. */
  At require(String name, String hint) {
    At v = values.get(name);
    if (v == null) {
      throw mapping.fail("missing field '" + name + "': " + hint);
    }
    return v;
  }
}
