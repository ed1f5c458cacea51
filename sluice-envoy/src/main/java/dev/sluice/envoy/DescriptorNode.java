package dev.sluice.envoy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One level of a domain's descriptor tree, as envoyproxy/ratelimit builds it: children by their
 * composite key ({@code key_value}, or {@code key} alone for "any value"), the wildcard ones
 * ({@code key_foo*}) also in the order written, and the limit this level sets, if any.
 */
final class DescriptorNode {
  /** Children by composite key. */
  final Map<String, DescriptorNode> children = new LinkedHashMap<>();

  /** The composite keys of the children whose value ends in {@code *}, in the order written. */
  final List<String> wildcards = new ArrayList<>();

  /** What a descriptor ending here is limited by, or {@code null}. */
  Leaf leaf;

  /**
   * The leaf a descriptor's entries reach, or {@code null}, exactly as envoyproxy/ratelimit walks
   * its tree: per entry, the child {@code key_value}, else the first wildcard child whose prefix
   * {@code key_value} starts with, else the child {@code key}; a limit counts only when the last
   * entry reaches it; a level without children ends the walk.
   *
   * <p>{@code free[i]} is set when entry {@code i} was matched by a wildcard or a key without a
   * value: the entries whose values make a bucket of the leaf's rule differ from another.
   */
  Leaf match(List<String[]> entries, boolean[] free) {
    DescriptorNode level = this;
    for (int i = 0; i < entries.size(); i++) {
      String key = entries.get(i)[0];
      String finalKey = key + "_" + entries.get(i)[1];
      DescriptorNode next = level.children.get(finalKey);
      free[i] = next == null;
      if (next == null) {
        for (String w : level.wildcards) {
          if (finalKey.startsWith(w.substring(0, w.length() - 1))) {
            next = level.children.get(w);
            break;
          }
        }
      }
      if (next == null) {
        next = level.children.get(key);
      }
      if (next == null) {
        return null;
      }
      if (i == entries.size() - 1) {
        return next.leaf;
      }
      if (next.children.isEmpty()) {
        return null;
      }
      level = next;
    }
    return null;
  }
}
