package dev.sluice.core;

import dev.sluice.core.policy.PathTemplate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds every endpoint rule whose path template matches a path: a trie of path segments, walked
 * without allocating (segments are compared in place with {@code regionMatches}). A path can
 * match several templates (a literal and a {@code {param}} at the same depth, say); the walk
 * follows every branch and reports each matching rule once.
 */
final class Router {
  private final Node root = new Node();

  void add(PathTemplate template, int rule) {
    Node n = root;
    for (int i = 0; i < template.size(); i++) {
      n = template.isParam(i) ? n.paramChild() : n.literalChild(template.segment(i));
    }
    if (template.isCatchAll()) {
      n.catchAll = append(n.catchAll, rule);
    } else {
      n.rules = append(n.rules, rule);
    }
  }

  /** Adds to {@code out} (a bit set of rule indices) every rule whose template matches {@code path}. */
  void match(String path, long[] out) {
    int end = path.length();
    int start = end > 0 && path.charAt(0) == '/' ? 1 : 0;
    if (end > start && path.charAt(end - 1) == '/') {
      end--; // a trailing slash is ignored
    }
    walk(root, path, start, end, out);
  }

  private static void walk(Node n, String path, int from, int end, long[] out) {
    if (n.catchAll.length != 0) {
      mark(n.catchAll, out);
    }
    if (from >= end) {
      mark(n.rules, out);
      return;
    }
    int slash = path.indexOf('/', from);
    int segEnd = slash < 0 || slash > end ? end : slash;
    int len = segEnd - from;
    int next = segEnd + 1;
    char first = len > 0 ? path.charAt(from) : 0;
    for (int i = 0; i < n.literals.length; i++) {
      String lit = n.literals[i];
      // Length and first char turn most siblings away before a region comparison.
      if (lit.length() == len && (len == 0 || lit.charAt(0) == first)
          && path.regionMatches(from, lit, 0, len)) {
        walk(n.children[i], path, next, end, out);
      }
    }
    if (n.param != null && len > 0) {
      walk(n.param, path, next, end, out);
    }
  }

  private static void mark(int[] rules, long[] out) {
    for (int r : rules) {
      out[r >>> 6] |= 1L << r;
    }
  }

  private static int[] append(int[] a, int v) {
    int[] b = Arrays.copyOf(a, a.length + 1);
    b[a.length] = v;
    return b;
  }

  private static final class Node {
    String[] literals = new String[0];
    Node[] children = new Node[0];
    Node param;
    int[] rules = new int[0];
    int[] catchAll = new int[0];

    Node literalChild(String literal) {
      for (int i = 0; i < literals.length; i++) {
        if (literals[i].equals(literal)) {
          return children[i];
        }
      }
      List<String> l = new ArrayList<>(Arrays.asList(literals));
      l.add(literal);
      literals = l.toArray(new String[0]);
      children = Arrays.copyOf(children, children.length + 1);
      return children[children.length - 1] = new Node();
    }

    Node paramChild() {
      return param == null ? param = new Node() : param;
    }
  }
}
