package dev.sluice.core;

import dev.sluice.core.policy.PathTemplate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds every endpoint rule whose path template matches a path: a trie of path segments, walked
 * without allocating. Each segment is scanned once for its end and its {@code String.hashCode}, and
 * compared in place ({@code regionMatches}) only with a literal of the same hash and length. Each
 * node holds its rules as a bit set, ORed into the result a word at a time. A path can match
 * several templates (a literal and a {@code {param}} at the same depth, say); the walk follows
 * every branch and reports each matching rule once.
 */
final class Router {
  private final Node root = new Node();

  /**
   * Adds {@code template} as rule {@code rule}; with {@code foldCase}, its literals lower-cased
   * (the paths it is matched with are then lower-cased too).
   */
  void add(PathTemplate template, int rule, boolean foldCase) {
    Node n = root;
    for (int i = 0; i < template.size(); i++) {
      String literal = template.segment(i);
      n =
          template.isParam(i)
              ? n.paramChild()
              : n.literalChild(foldCase ? literal.toLowerCase(java.util.Locale.ROOT) : literal);
    }
    if (template.isCatchAll()) {
      n.catchAll = set(n.catchAll, rule);
    } else {
      n.rules = set(n.rules, rule);
    }
  }

  /**
   * Adds to {@code out} (a bit set of rule indices) every rule whose template matches {@code path}.
   */
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
    // Find the segment's end and its hash in one pass (a segment is a few chars: a plain loop
    // beats indexOf's intrinsic), then compare with a literal only if hash and length agree.
    int segEnd = from;
    int hash = 0;
    for (char c; segEnd < end && (c = path.charAt(segEnd)) != '/'; segEnd++) {
      hash = 31 * hash + c;
    }
    int len = segEnd - from;
    int next = segEnd + 1;
    String[] literals = n.literals;
    for (int i = 0; i < literals.length; i++) {
      if (n.literalHashes[i] == hash
          && literals[i].length() == len
          && path.regionMatches(from, literals[i], 0, len)) {
        walk(n.children[i], path, next, end, out);
      }
    }
    if (n.param != null && len > 0) {
      walk(n.param, path, next, end, out);
    }
  }

  /** ORs a node's rule set into {@code out}: one word per 64 rules, not one store per rule. */
  private static void mark(long[] rules, long[] out) {
    for (int w = 0; w < rules.length; w++) {
      out[w] |= rules[w];
    }
  }

  /** {@code bits} with bit {@code rule} set, grown to hold it. */
  private static long[] set(long[] bits, int rule) {
    long[] b = bits.length > rule >>> 6 ? bits : Arrays.copyOf(bits, (rule >>> 6) + 1);
    b[rule >>> 6] |= 1L << rule;
    return b;
  }

  private static final class Node {
    String[] literals = new String[0];
    int[] literalHashes = new int[0]; // String.hashCode of each literal
    Node[] children = new Node[0];
    Node param;
    long[] rules = new long[0]; // bit set of the rules whose template ends here
    long[] catchAll = new long[0]; // bit set of the rules whose template is this prefix then /**

    Node literalChild(String literal) {
      for (int i = 0; i < literals.length; i++) {
        if (literals[i].equals(literal)) {
          return children[i];
        }
      }
      List<String> l = new ArrayList<>(Arrays.asList(literals));
      l.add(literal);
      literals = l.toArray(new String[0]);
      literalHashes = Arrays.copyOf(literalHashes, literalHashes.length + 1);
      literalHashes[literalHashes.length - 1] = literal.hashCode();
      children = Arrays.copyOf(children, children.length + 1);
      return children[children.length - 1] = new Node();
    }

    Node paramChild() {
      return param == null ? param = new Node() : param;
    }
  }
}
