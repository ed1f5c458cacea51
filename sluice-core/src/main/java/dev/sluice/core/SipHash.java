package dev.sluice.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * SipHash-c-d (Aumasson and Bernstein), a keyed pseudo-random function: without the 128-bit key
 * nobody can compute, invert or deliberately collide its 64-bit outputs, which is what lets Sluice
 * keep hashes of API keys, tokens and e-mail addresses instead of the values.
 *
 * <p>The engine uses SipHash-1-3 (one round per 8-byte block, three to finish), the variant Rust's
 * standard library hashes untrusted keys with: about half the cost of SipHash-2-4 on a 300-byte
 * JWT, with no known attack at the strength a rate limiter needs (nobody without the key can
 * predict or steer which bucket a credential lands in). SipHash-2-4 is kept for the tests, which
 * check this implementation against Guava's.
 *
 * <p>{@code hash(tweak, s)} (rule and key-source names) is the reference SipHash of the tweak's 8
 * bytes then {@code s.getBytes(UTF_16LE)}, read from the chars in place. {@code hash(s)}
 * (identities, on every request) reads a string of Latin-1 chars as its ISO-8859-1 bytes, eight
 * chars per block instead of four (half the rounds), and any other string as UTF-16LE under a key
 * derived from this one.
 */
final class SipHash {
  private static final VarHandle LITTLE_ENDIAN_LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private final long k0;
  private final long k1;
  private final int compressionRounds;
  private final int finalizationRounds;
  private final SipHash wideKey; // null in a wide key itself

  /** SipHash-1-3 under the key {@code (k0, k1)}. */
  SipHash(long k0, long k1) {
    this(k0, k1, 1, 3);
  }

  SipHash(long k0, long k1, int compressionRounds, int finalizationRounds) {
    this(k0, k1, compressionRounds, finalizationRounds, true);
  }

  private SipHash(
      long k0, long k1, int compressionRounds, int finalizationRounds, boolean withWide) {
    this.k0 = k0;
    this.k1 = k1;
    this.compressionRounds = compressionRounds;
    this.finalizationRounds = finalizationRounds;
    if (withWide) {
      long[] derived = wideKey(k0, k1, compressionRounds, finalizationRounds);
      this.wideKey =
          new SipHash(derived[0], derived[1], compressionRounds, finalizationRounds, false);
    } else {
      this.wideKey = null;
    }
  }

  /**
   * The key strings with wider chars are hashed under: SipHash-c-d in its 128-bit mode, of the
   * empty message, under this key. Not the 64-bit hash of any input: every byte string is some
   * Latin-1 identity, so a 64-bit output would be a fingerprint that the admin API, reports and
   * Redis key names publish. The 128-bit mode (its own initialisation and finalisation constants)
   * is a different function of the key, and its outputs appear nowhere else.
   */
  static long[] wideKey(long k0, long k1, int compressionRounds, int finalizationRounds) {
    long v0 = 0x736f6d6570736575L ^ k0;
    long v1 = 0x646f72616e646f6dL ^ k1 ^ 0xee;
    long v2 = 0x6c7967656e657261L ^ k0;
    long v3 = 0x7465646279746573L ^ k1;
    long[] out = new long[2];
    // The empty message is one final block holding only its length, 0.
    for (int r = 0; r < compressionRounds; r++) {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13);
      v1 ^= v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17);
      v1 ^= v2;
      v2 = Long.rotateLeft(v2, 32);
    }
    for (int half = 0; half < 2; half++) {
      if (half == 0) {
        v2 ^= 0xee;
      } else {
        v1 ^= 0xdd;
      }
      for (int r = 0; r < finalizationRounds; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      out[half] = v0 ^ v1 ^ v2 ^ v3;
    }
    return out;
  }

  /**
   * SipHash of {@code tweak} (8 bytes, little-endian) followed by the UTF-16LE encoding of {@code
   * s}.
   */
  long hash(long tweak, CharSequence s) {
    return hash(tweak, s, 0, s.length());
  }

  /** {@link #hash(long, CharSequence)} of {@code s.subSequence(from, to)}, without copying it. */
  long hash(long tweak, CharSequence s, int from, int to) {
    return hash(true, tweak, s, from, to);
  }

  /**
   * The hash of a string alone (no tweak block), as compact as the string allows: if every char is
   * at most {@code U+00FF} (every HTTP header value, and almost every token, address and e-mail),
   * the SipHash of its ISO-8859-1 bytes, eight chars per block; otherwise the SipHash of its
   * UTF-16LE bytes under a key derived from this one. The two encodings may give equal bytes for
   * different strings (41 01 is "A" then U+0001 in ISO-8859-1, and U+0141 in UTF-16LE); under two
   * independent keys such strings collide no more often than any two.
   */
  long hash(CharSequence s) {
    return hash(s, 0, s.length());
  }

  /**
   * {@link #hash(CharSequence)} of {@code s.subSequence(from, to)}, without a substring: a {@code
   * String} is copied once, whole, into a short-lived byte array; any other CharSequence is read in
   * place.
   */
  long hash(CharSequence s, int from, int to) {
    if (s instanceof String str) {
      // A Latin-1 string's ISO-8859-1 bytes are a copy of its array (an intrinsic), and reading
      // them eight at a time beats packing chars. A wider char comes out as '?' (a '?' in the
      // range sends the string to the exact path), and a surrogate pair as one '?' (the copy is
      // then shorter than the string, its bytes no longer line up with the chars: exact path).
      byte[] latin1 = str.getBytes(StandardCharsets.ISO_8859_1);
      if (latin1.length == str.length()) {
        return hashLatin1(latin1, s, from, to);
      }
    }
    return hashChars(s, from, to);
  }

  private long hashLatin1(byte[] bytes, CharSequence s, int from, int to) {
    long v0 = 0x736f6d6570736575L ^ k0;
    long v1 = 0x646f72616e646f6dL ^ k1;
    long v2 = 0x6c7967656e657261L ^ k0;
    long v3 = 0x7465646279746573L ^ k1;
    long question = 0; // has a high bit in each byte that was '?' (SWAR zero-byte test)
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long m = (long) LITTLE_ENDIAN_LONGS.get(bytes, i);
      long q = m ^ 0x3f3f3f3f3f3f3f3fL;
      question |= (q - 0x0101010101010101L) & ~q;
      v3 ^= m;
      for (int r = 0; r < compressionRounds; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    long last = (long) (to - from) << 56;
    for (int shift = 0; i < to; i++, shift += 8) {
      int c = bytes[i] & 0xff;
      if (c == '?') {
        question = -1;
      }
      last |= (long) c << shift;
    }
    if ((question & 0x8080808080808080L) != 0) {
      return hashChars(s, from, to);
    }
    return finish(v0, v1, v2, v3, last);
  }

  /** {@link #hash(CharSequence, int, int)} read char by char: any CharSequence, any chars. */
  private long hashChars(CharSequence s, int from, int to) {
    // One pass: pack eight chars per block as if they were all Latin-1, and OR them together to
    // find out. A wider char spoils the blocks (its high byte lands in its neighbour's), so the
    // string is then hashed again, two bytes per char.
    long v0 = 0x736f6d6570736575L ^ k0;
    long v1 = 0x646f72616e646f6dL ^ k1;
    long v2 = 0x6c7967656e657261L ^ k0;
    long v3 = 0x7465646279746573L ^ k1;
    int seen = 0;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      int c0 = s.charAt(i);
      int c1 = s.charAt(i + 1);
      int c2 = s.charAt(i + 2);
      int c3 = s.charAt(i + 3);
      int c4 = s.charAt(i + 4);
      int c5 = s.charAt(i + 5);
      int c6 = s.charAt(i + 6);
      int c7 = s.charAt(i + 7);
      seen |= c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7;
      long m =
          c0
              | (long) c1 << 8
              | (long) c2 << 16
              | (long) c3 << 24
              | (long) c4 << 32
              | (long) c5 << 40
              | (long) c6 << 48
              | (long) c7 << 56;
      v3 ^= m;
      for (int r = 0; r < compressionRounds; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    long last = (long) (to - from) << 56;
    for (int shift = 0; i < to; i++, shift += 8) {
      int c = s.charAt(i);
      seen |= c;
      last |= (long) c << shift;
    }
    if (seen > 0xFF) {
      return wideKey.hash(false, 0, s, from, to);
    }
    return finish(v0, v1, v2, v3, last);
  }

  private long hash(boolean tweaked, long tweak, CharSequence s, int from, int to) {
    long v0 = 0x736f6d6570736575L ^ k0;
    long v1 = 0x646f72616e646f6dL ^ k1;
    long v2 = 0x6c7967656e657261L ^ k0;
    long v3 = 0x7465646279746573L ^ k1;
    long m;
    if (tweaked) {
      // The tweak is absorbed as a first 8-byte block: one key, many domains.
      m = tweak;
      v3 ^= m;
      for (int r = 0; r < compressionRounds; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    int n = to;
    int i = from;
    for (; i + 4 <= n; i += 4) {
      m =
          (long) s.charAt(i)
              | (long) s.charAt(i + 1) << 16
              | (long) s.charAt(i + 2) << 32
              | (long) s.charAt(i + 3) << 48;
      v3 ^= m;
      for (int r = 0; r < compressionRounds; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    long last = ((tweaked ? 8L : 0L) + 2L * (to - from)) << 56; // total length, tweak included
    for (int shift = 0; i < n; i++, shift += 16) {
      last |= (long) s.charAt(i) << shift;
    }
    return finish(v0, v1, v2, v3, last);
  }

  /** The last block (the length byte and the tail) and the finalisation rounds: the 64-bit hash. */
  private long finish(long v0, long v1, long v2, long v3, long last) {
    v3 ^= last;
    for (int r = 0; r < compressionRounds; r++) {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13);
      v1 ^= v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17);
      v1 ^= v2;
      v2 = Long.rotateLeft(v2, 32);
    }
    v0 ^= last;
    v2 ^= 0xff;
    for (int r = 0; r < finalizationRounds; r++) {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13);
      v1 ^= v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17);
      v1 ^= v2;
      v2 = Long.rotateLeft(v2, 32);
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }
}
