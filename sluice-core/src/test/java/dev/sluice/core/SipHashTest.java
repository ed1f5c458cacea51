package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hashing;
import dev.sluice.testing.Gen;
import dev.sluice.testing.Property;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Our SipHash over (tweak, UTF-16LE chars): the 2-4 variant against Guava's and the reference
 * vectors; the 1-3 variant the engine uses against a byte-wise implementation of the paper's
 * algorithm (itself checked against Guava at 2-4). The untweaked identity hash: Latin-1 strings as
 * their ISO-8859-1 bytes, wider ones as UTF-16LE under the derived key.
 */
class SipHashTest {
  /** The reference key 00 01 02 ... 0f, as two little-endian words. */
  private static final long K0 = 0x0706050403020100L;

  private static final long K1 = 0x0f0e0d0c0b0a0908L;

  private static final Gen<Long> ANY_LONG = Gen.longs();

  /** Strings of up to 255 chars, any a text may hold (see Gen.unicodeChars). */
  private static final Gen<String> STRING = Gen.strings(Gen.unicodeChars(), 0, 255);

  private static final Gen<String> LATIN1 = Gen.strings(Gen.chars('\u0000', '\u00ff'), 0, 255);

  /** Keys, a tweak and a string. */
  record Input(long k0, long k1, long tweak, String s) {}

  /** Keys and a string, for the untweaked hash. */
  record Keyed(long k0, long k1, String s) {}

  /** Keys alone. */
  record Keys(long k0, long k1) {}

  private static final Gen<Input> INPUTS =
      s -> new Input(ANY_LONG.next(s), ANY_LONG.next(s), ANY_LONG.next(s), STRING.next(s));

  /** Keys, and a string with a char above U+00FF somewhere. */
  record WideInput(long k0, long k1, String prefix, char wide, String suffix) {}

  private static long guava(long k0, long k1, long tweak, String s) {
    return Hashing.sipHash24(k0, k1)
        .newHasher()
        .putLong(tweak)
        .putUnencodedChars(s)
        .hash()
        .asLong();
  }

  @Test
  void hash_equalsGuavaSipHash24_overTweakThenUtf16Chars() {
    Property.check(
        3000,
        INPUTS,
        in ->
            assertThat(new SipHash(in.k0(), in.k1(), 2, 4).hash(in.tweak(), in.s()))
                .isEqualTo(guava(in.k0(), in.k1(), in.tweak(), in.s())));
  }

  @Test
  void byteWiseReference_equalsGuava_atTwoFour() {
    Property.check(
        1000,
        INPUTS,
        in ->
            assertThat(reference(in.k0(), in.k1(), 2, 4, bytes(in.tweak(), in.s())))
                .isEqualTo(guava(in.k0(), in.k1(), in.tweak(), in.s())));
  }

  @Test
  void engineVariant_isSipHash13_overTweakThenUtf16Chars() {
    Property.check(
        3000,
        INPUTS,
        in ->
            assertThat(new SipHash(in.k0(), in.k1()).hash(in.tweak(), in.s()))
                .isEqualTo(reference(in.k0(), in.k1(), 1, 3, bytes(in.tweak(), in.s()))));
  }

  @Test
  void untweaked_latin1String_isSipHashOfItsIso88591Bytes() {
    Property.check(
        3000,
        s -> new Keyed(ANY_LONG.next(s), ANY_LONG.next(s), LATIN1.next(s)),
        in -> {
          long k0 = in.k0();
          long k1 = in.k1();
          String s = in.s();
          assertThat(new SipHash(k0, k1, 2, 4).hash(s))
              .isEqualTo(
                  Hashing.sipHash24(k0, k1)
                      .hashBytes(s.getBytes(StandardCharsets.ISO_8859_1))
                      .asLong());
          assertThat(new SipHash(k0, k1).hash(s))
              .isEqualTo(reference(k0, k1, 1, 3, s.getBytes(StandardCharsets.ISO_8859_1)));
        });
  }

  @Test
  void untweaked_widerString_isSipHashOfItsUtf16Bytes_underTheWideKey() {
    Gen<Character> anyChar = Gen.unicodeChars();
    Property.check(
        3000,
        s ->
            new WideInput(
                ANY_LONG.next(s),
                ANY_LONG.next(s),
                STRING.next(s),
                anyChar.next(s),
                STRING.next(s)),
        in -> {
          Property.assume(in.wide() > 0xff);
          String s = in.prefix() + in.wide() + in.suffix();
          long[] wideKey = reference128(in.k0(), in.k1(), 1, 3, new byte[0]);

          assertThat(new SipHash(in.k0(), in.k1()).hash(s))
              .isEqualTo(
                  reference(wideKey[0], wideKey[1], 1, 3, s.getBytes(StandardCharsets.UTF_16LE)));
        });
  }

  @Test
  void wideKey_isSipHash128OfTheEmptyMessage_notA64BitHashThatAFingerprintCouldEqual() {
    Property.check(
        300,
        s -> new Keys(ANY_LONG.next(s), ANY_LONG.next(s)),
        k ->
            assertThat(SipHash.wideKey(k.k0(), k.k1(), 1, 3))
                .containsExactly(reference128(k.k0(), k.k1(), 1, 3, new byte[0])));
  }

  @Test
  void reference128_matchesThePapersVectorForTheEmptyMessage() {
    // vectors_sip128[0] of the reference implementation: a3 81 7f 04 ba 25 a8 e6 6d f6 72 14 c7 55
    // 02 93
    assertThat(reference128(K0, K1, 2, 4, new byte[0]))
        .containsExactly(0xe6a825ba047f81a3L, 0x930255c71472f66dL);
  }

  @Test
  void untweaked_sameValueWhetherReadAsStringOrCharSequence_orFromARange() {
    Property.check(
        3000,
        s -> new Keyed(ANY_LONG.next(s), ANY_LONG.next(s), STRING.next(s)),
        in -> {
          SipHash h = new SipHash(in.k0(), in.k1());
          String s = in.s();
          String padded = "<" + s + ">";

          assertThat(h.hash(new StringBuilder(s))).isEqualTo(h.hash(s));
          assertThat(h.hash(padded, 1, padded.length() - 1)).isEqualTo(h.hash(s));
        });
  }

  @Test
  void untweaked_questionMarks_areHashedExactly_notTakenForUnmappableChars() {
    SipHash h = new SipHash(1, 2);

    assertThat(h.hash("a?b")).isNotEqualTo(h.hash("a\u0141b"));
    assertThat(h.hash("a?b"))
        .isEqualTo(reference(1, 2, 1, 3, "a?b".getBytes(StandardCharsets.ISO_8859_1)));
    assertThat(h.hash("token-?-0123456789?"))
        .isEqualTo(
            reference(1, 2, 1, 3, "token-?-0123456789?".getBytes(StandardCharsets.ISO_8859_1)));
  }

  @Test
  void untweaked_latin1AndWideEncodingsWithTheSameBytes_doNotCollide() {
    SipHash h = new SipHash(1, 2);
    // 41 01 is "A" then U+0001 in ISO-8859-1, and U+0141 in UTF-16LE.

    assertThat(h.hash("A\u0001")).isNotEqualTo(h.hash("\u0141"));
  }

  @Test
  void untweaked_wideCharAtEveryPositionOfTwoBlocks_isHashedAsUtf16() {
    SipHash h = new SipHash(1, 2);
    long[] wideKey = reference128(1, 2, 1, 3, new byte[0]);
    for (int p = 0; p < 19; p++) {
      StringBuilder b = new StringBuilder("0123456789abcdefXYZ");
      b.setCharAt(p, '\u0141');
      String s = b.toString();
      long expected =
          reference(wideKey[0], wideKey[1], 1, 3, s.getBytes(StandardCharsets.UTF_16LE));

      assertThat(h.hash(s)).as("wide char at %d", p).isEqualTo(expected);
      assertThat(h.hash(new StringBuilder(s)))
          .as("as a StringBuilder, at %d", p)
          .isEqualTo(expected);
      String padded = "<" + s + ">";
      assertThat(h.hash(padded, 1, padded.length() - 1))
          .as("as a range, at %d", p)
          .isEqualTo(expected);
    }
  }

  @Test
  void untweaked_surrogatePair_isHashedAsUtf16_andDoesNotShiftARangeAfterIt() {
    SipHash h = new SipHash(1, 2);
    long[] wideKey = reference128(1, 2, 1, 3, new byte[0]);
    String emoji = "\uD83D\uDE00"; // one code point, two chars, one '?' in ISO-8859-1

    assertThat(h.hash(emoji))
        .isEqualTo(
            reference(wideKey[0], wideKey[1], 1, 3, emoji.getBytes(StandardCharsets.UTF_16LE)));
    assertThat(h.hash("key-" + emoji)).isEqualTo(h.hash(new StringBuilder("key-" + emoji)));
    String s = "x" + emoji + "abcdefghij";
    assertThat(h.hash(s, 3, 11)).isEqualTo(h.hash("abcdefgh"));
  }

  private static byte[] bytes(long tweak, String s) {
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(8 + 2 * s.length())
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .putLong(tweak);
    for (int i = 0; i < s.length(); i++) {
      b.putChar(s.charAt(i));
    }
    return b.array();
  }

  /** SipHash-c-d as the paper writes it, one byte at a time. */
  private static long reference(long k0, long k1, int c, int d, byte[] m) {
    long[] v = absorb(k0, k1, 0, c, m);
    v[2] ^= 0xff;
    for (int r = 0; r < d; r++) {
      round(v);
    }
    return v[0] ^ v[1] ^ v[2] ^ v[3];
  }

  /** SipHash-c-d in its 128-bit mode, as the reference implementation writes it: two words. */
  private static long[] reference128(long k0, long k1, int c, int d, byte[] m) {
    long[] v = absorb(k0, k1, 0xee, c, m);
    v[2] ^= 0xee;
    for (int r = 0; r < d; r++) {
      round(v);
    }
    long first = v[0] ^ v[1] ^ v[2] ^ v[3];
    v[1] ^= 0xdd;
    for (int r = 0; r < d; r++) {
      round(v);
    }
    return new long[] {first, v[0] ^ v[1] ^ v[2] ^ v[3]};
  }

  /** The state after the key ({@code v1} XOR {@code mode}) and every block of {@code m}. */
  private static long[] absorb(long k0, long k1, long mode, int c, byte[] m) {
    long[] v = {
      0x736f6d6570736575L ^ k0,
      0x646f72616e646f6dL ^ k1 ^ mode,
      0x6c7967656e657261L ^ k0,
      0x7465646279746573L ^ k1
    };
    int blocks = m.length / 8;
    for (int i = 0; i <= blocks; i++) {
      long w = 0;
      if (i < blocks) {
        for (int j = 7; j >= 0; j--) {
          w = w << 8 | (m[8 * i + j] & 0xff);
        }
      } else {
        w = (long) (m.length & 0xff) << 56;
        for (int j = m.length - 8 * blocks - 1; j >= 0; j--) {
          w |= (long) (m[8 * blocks + j] & 0xff) << (8 * j);
        }
      }
      v[3] ^= w;
      for (int r = 0; r < c; r++) {
        round(v);
      }
      v[0] ^= w;
    }
    return v;
  }

  private static void round(long[] v) {
    v[0] += v[1];
    v[1] = Long.rotateLeft(v[1], 13);
    v[1] ^= v[0];
    v[0] = Long.rotateLeft(v[0], 32);
    v[2] += v[3];
    v[3] = Long.rotateLeft(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = Long.rotateLeft(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = Long.rotateLeft(v[1], 17);
    v[1] ^= v[2];
    v[2] = Long.rotateLeft(v[2], 32);
  }

  @Test
  void guava_matchesThePapersTestVector() {
    byte[] message = new byte[15];
    for (int i = 0; i < message.length; i++) {
      message[i] = (byte) i;
    }

    assertThat(Hashing.sipHash24(K0, K1).hashBytes(message).asLong())
        .isEqualTo(0xa129ca6149be45e5L);
  }

  /**
   * The reference implementation's vectors for the message 00 01 02 ... (n-1) under the key 00 01
   * ... 0f, for every n our input can take: an 8-byte tweak then two bytes per char.
   */
  @Test
  void hash_matchesTheReferenceVectors() {
    SipHash h = new SipHash(K0, K1, 2, 4);
    long tweak = 0x0706050403020100L; // bytes 00..07

    assertThat(h.hash(tweak, "")).isEqualTo(0x93f5f5799a932462L); // 8 bytes
    assertThat(h.hash(tweak, "\u0908")).isEqualTo(0x7a5dbbc594ddb9f3L); // 10 bytes
    assertThat(h.hash(tweak, "\u0908\u0b0a")).isEqualTo(0x751e8fbc860ee5fbL); // 12 bytes
    assertThat(h.hash(tweak, "\u0908\u0b0a\u0d0c")).isEqualTo(0xf723ca908e7af2eeL); // 14 bytes
    assertThat(h.hash(tweak, "\u0908\u0b0a\u0d0c\u0f0e"))
        .isEqualTo(0x3f2acc7f57c29bdbL); // 16 bytes
  }

  @Test
  void hash_readsTheCharSequenceWithoutCopying() {
    SipHash h = new SipHash(1, 2);

    assertThat(h.hash(3, new StringBuilder("token-123"))).isEqualTo(h.hash(3, "token-123"));
  }
}
