package dev.sluice.core.policy;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;

/**
 * The arithmetic of {@link KeySource.Normalized}: maps each spelling of an identity onto one.
 *
 * <p>Two paths. The fast one scans the value once and, if it is printable ASCII and already normal
 * (no blank at either end, no capital, no {@code mailto:}, no quote, no trailing dot, no {@code +}
 * tag where tags are stripped...), returns the value itself: no allocation, which is the common
 * case for real clients. Anything else takes the slow path, which rebuilds the value: Unicode NFKC
 * ({@link Normalizer}, only when a char is outside ASCII, where compatibility forms such as a
 * fullwidth {@code Ａ} or a non-breaking space can occur), then the steps.
 *
 * <p>The result is idempotent: normalising a normal value returns it unchanged (the tests check
 * this on random input), so the fast path and the slow path agree.
 */
final class KeyNormalizer {
  private static final String MAILTO = "mailto:";

  private KeyNormalizer() {}

  static String apply(String value, Set<KeySource.Normalization> steps) {
    if (value == null) {
      return null;
    }
    String out;
    if (steps.contains(KeySource.Normalization.EMAIL)) {
      boolean stripTag = steps.contains(KeySource.Normalization.STRIP_TAG);
      boolean keepCase = steps.contains(KeySource.Normalization.KEEP_LOCAL_CASE);
      out = isNormalEmail(value, stripTag, keepCase) ? value : email(value, stripTag, keepCase);
    } else {
      out = value;
      if (steps.contains(KeySource.Normalization.TRIM)) {
        out = out.strip(); // the same instance when there is nothing to strip
      }
      if (steps.contains(KeySource.Normalization.LOWER)) {
        out = out.toLowerCase(Locale.ROOT); // likewise when there is nothing to lower
      }
    }
    return out.isEmpty() ? null : out;
  }

  /**
   * Whether {@code v} is printable ASCII and already what {@link #email} would make of it: one
   * pass, no allocation.
   */
  private static boolean isNormalEmail(String v, boolean stripTag, boolean keepCase) {
    int n = v.length();
    if (n == 0 || v.regionMatches(true, 0, MAILTO, 0, MAILTO.length())) {
      return false;
    }
    int at = v.lastIndexOf('@');
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>') {
        return false;
      }
      if (c >= 'A' && c <= 'Z' && (!keepCase || at < 0 || i > at)) {
        return false;
      }
      if (c == '+' && stripTag && i < at && i > 0) {
        return false;
      }
    }
    return at < 0 || v.charAt(n - 1) != '.';
  }

  /**
   * The slow path: the value rebuilt, step by step, until it no longer changes (unquoting can bare
   * blanks, NFKC can make a quote: one pass does not always reach the normal form; two nearly
   * always do, and the few strings that need more are odd mixes of quotes, blanks and marks).
   */
  static String email(String value, boolean stripTag, boolean keepCase) {
    String s = emailOnce(value, stripTag, keepCase);
    for (int i = 0; i < 8; i++) {
      String again = emailOnce(s, stripTag, keepCase);
      if (again.equals(s)) {
        break;
      }
      s = again;
    }
    return s;
  }

  private static String emailOnce(String value, boolean stripTag, boolean keepCase) {
    String s = value;
    if (!isAscii(s)) {
      s = Normalizer.normalize(s, Normalizer.Form.NFKC);
    }
    String before;
    do { // "mailto:<a@x.com>" and the like, peeled until nothing changes
      before = s;
      s = s.strip();
      if (s.regionMatches(true, 0, MAILTO, 0, MAILTO.length())) {
        s = s.substring(MAILTO.length());
      }
      if (s.length() >= 2 && s.charAt(0) == '<' && s.charAt(s.length() - 1) == '>') {
        s = s.substring(1, s.length() - 1);
      }
    } while (!s.equals(before));
    int at = s.lastIndexOf('@');
    if (at < 0) {
      return s.toLowerCase(Locale.ROOT);
    }
    String local = s.substring(0, at);
    String domain = s.substring(at + 1);
    int end = domain.length();
    while (end > 0 && (domain.charAt(end - 1) == '.' || domain.charAt(end - 1) <= ' ')) {
      end--;
    }
    domain = domain.substring(0, end).toLowerCase(Locale.ROOT);
    String was;
    do { // unquoting may bare a tag, cutting a tag may leave quotes: until neither applies
      was = local;
      while (local.length() >= 2
          && local.charAt(0) == '"'
          && local.charAt(local.length() - 1) == '"') {
        local = unquote(local);
      }
      int plus = stripTag ? local.indexOf('+') : -1;
      if (plus > 0) {
        local = local.substring(0, plus);
      }
    } while (!local.equals(was));
    if (!keepCase) {
      local = local.toLowerCase(Locale.ROOT);
    }
    return local + "@" + domain;
  }

  /**
   * A quoted local part's content, backslash escapes resolved: RFC 5321 makes {@code "a"@x.com} and
   * {@code a@x.com} one mailbox, so they are one identity.
   */
  private static String unquote(String quoted) {
    StringBuilder sb = new StringBuilder(quoted.length());
    for (int i = 1; i < quoted.length() - 1; i++) {
      char c = quoted.charAt(i);
      if (c == '\\' && i + 1 < quoted.length() - 1) {
        c = quoted.charAt(++i);
      }
      sb.append(c);
    }
    return sb.toString();
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
