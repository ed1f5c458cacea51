package dev.sluice.core;

/**
 * The token of an {@code Authorization: Bearer} header (RFC 6750): the scheme matched without
 * regard to case, the token stripped of surrounding white space; none if the header is absent,
 * another scheme, or blank after the scheme.
 */
final class BearerToken {
  private static final String SCHEME = "Bearer ";

  private BearerToken() {}

  /**
   * Where the token lies in {@code authorization}: {@code (from << 32) | to}, or -1 for none. The
   * engine hashes that range in place, so finding a token allocates nothing.
   */
  static long range(String authorization) {
    int from = SCHEME.length();
    if (authorization == null
        || authorization.length() <= from
        || !authorization.regionMatches(true, 0, SCHEME, 0, from)) {
      return -1;
    }
    int to = authorization.length();
    while (from < to && authorization.charAt(from) <= ' ') {
      from++;
    }
    while (to > from && authorization.charAt(to - 1) <= ' ') {
      to--;
    }
    return from == to ? -1 : ((long) from << 32) | to;
  }

  /** The token of {@code authorization}, or {@code null}. */
  static String of(String authorization) {
    long r = range(authorization);
    return r < 0 ? null : authorization.substring((int) (r >>> 32), (int) r);
  }
}
