package dev.sluice.config;

import java.util.Collection;
import java.util.Locale;

/**
 * "Did you mean": the valid word nearest to a misspelt one, by edit distance (Levenshtein, counting
 * an adjacent swap as one edit, so {@code haeders} is one edit from {@code headers}).
 */
final class Suggest {
  private Suggest() {}

  /**
   * The candidate nearest to {@code word}, ignoring case, or {@code null} when none is close enough
   * to be a plausible typo: at most a third of the longer word's letters changed (at least one, at
   * most three); failing that, the first candidate that {@code word} begins (at least three letters
   * of it: {@code token} for {@code token-bucket}).
   */
  static String nearest(String word, Collection<String> candidates) {
    String w = word.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(w, c.toLowerCase(Locale.ROOT));
      int allowed = Math.min(3, Math.max(1, Math.max(w.length(), c.length()) / 3));
      // Changing every letter is not a typo: 'z' is no misspelling of 'x'.
      if (d <= allowed && d < Math.max(w.length(), c.length()) && d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    if (best == null && w.length() >= 3) {
      for (String c : candidates) {
        if (c.toLowerCase(Locale.ROOT).startsWith(w)) {
          return c;
        }
      }
    }
    return best;
  }

  /** The optimal-string-alignment distance between {@code a} and {@code b}. */
  static int distance(String a, String b) {
    int n = a.length();
    int m = b.length();
    int[][] d = new int[n + 1][m + 1];
    for (int i = 0; i <= n; i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= m; j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= n; i++) {
      for (int j = 1; j <= m; j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
      }
    }
    return d[n][m];
  }
}
