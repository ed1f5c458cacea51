package dev.sluice.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.policy.KeySource.Normalization;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Normalised key values: every spelling of a mailbox is one identity, and normal values are free.
 */
class KeyNormalizerTest {
  private static final KeySource.Normalized EMAIL =
      KeySource.Normalized.of(new KeySource.BodyField("email"), Normalization.EMAIL);
  private static final KeySource.Normalized EMAIL_NO_TAG =
      KeySource.Normalized.of(
          new KeySource.BodyField("email"), Normalization.EMAIL, Normalization.STRIP_TAG);

  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @CsvSource(
      delimiter = '|',
      value = {
        "A@x.com|a@x.com",
        "a@X.COM|a@x.com",
        "'  a@x.com  '|a@x.com",
        "a+tag@x.com|a@x.com",
        "a@x.com.|a@x.com",
        "a@x.com..|a@x.com",
        "\uFF41@x.com|a@x.com",
        "a\uFF20x.com|a@x.com",
        "mailto:a@x.com|a@x.com",
        "MAILTO:a@x.com|a@x.com",
        "<a@x.com>|a@x.com",
        "mailto:<a@x.com>|a@x.com",
        "\"a\"@x.com|a@x.com",
        "\"a\\\"b\"@x.com|a\"b@x.com",
        "\u00A0a@x.com\u3000|a@x.com",
        "+a@x.com|+a@x.com",
        "not an e-mail|not an e-mail",
        "NOT-AN-EMAIL|not-an-email",
      })
  void email_stripTag_mapsEverySpellingOntoOneMailbox(String written, String normal) {
    assertThat(EMAIL_NO_TAG.apply(written)).isEqualTo(normal);
  }

  @Test
  void email_withoutStripTag_keepsTheTag() {
    assertThat(EMAIL.apply("A+Tag@X.com")).isEqualTo("a+tag@x.com");
  }

  @Test
  void email_keepLocalCase_lowersTheDomainOnly() {
    KeySource.Normalized n =
        KeySource.Normalized.of(
            new KeySource.BodyField("email"), Normalization.EMAIL, Normalization.KEEP_LOCAL_CASE);

    assertThat(n.apply("Alice@Example.COM")).isEqualTo("Alice@example.com");
    assertThat(n.apply("Alice@example.com")).isEqualTo("Alice@example.com");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a@x.com", "alice.smith-jr@mail.example.org", "a+b@x.com", "12345"})
  void alreadyNormalAscii_isReturnedAsItIs_noCopy(String normal) {
    assertThat(EMAIL.apply(normal)).isSameAs(normal);
    KeySource.Normalized lowerTrim =
        KeySource.Normalized.of(
            new KeySource.Header("X-User"), Normalization.LOWER, Normalization.TRIM);
    assertThat(lowerTrim.apply(normal)).isSameAs(normal);
  }

  @Test
  void lowerAndTrim_doWhatTheySay() {
    KeySource.Normalized n =
        KeySource.Normalized.of(
            new KeySource.Header("X-User"), Normalization.LOWER, Normalization.TRIM);

    assertThat(n.apply("  Alice ")).isEqualTo("alice");
    assertThat(n.apply("   ")).isNull();
  }

  @Test
  void blankValue_isAbsent() {
    assertThat(EMAIL.apply("   ")).isNull();
    assertThat(EMAIL.apply("mailto:")).isNull();
  }

  @Test
  void normalising_isIdempotent_onRandomInput() {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    String alphabet = "aAbZ+.@\" <>:mailto\\\u00A0\uFF41\uFF20\u00C9\u0301\u3000\t1xyz-_";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder();
      int n = random.nextInt(1, 16);
      for (int j = 0; j < n; j++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String written = sb.toString();
      for (KeySource.Normalized norm : new KeySource.Normalized[] {EMAIL, EMAIL_NO_TAG}) {
        String once = norm.apply(written);
        String twice = once == null ? null : norm.apply(once);
        assertThat(twice)
            .as("seed %d: [%s] normalised to [%s]", seed, written, once)
            .isEqualTo(once);
        // the fast path's "already normal" is the slow path's answer too
        boolean stripTag = norm == EMAIL_NO_TAG;
        if (norm.apply(written) == written) {
          assertThat(KeyNormalizer.email(written, stripTag, false))
              .as("seed %d: fast path took [%s]", seed, written)
              .isEqualTo(written);
        }
      }
    }
  }

  @Test
  void contradictionsAndMisuse_areRefusedSayingWhy() {
    assertThatThrownBy(
            () -> KeySource.Normalized.of(new KeySource.BodyField("e"), Normalization.STRIP_TAG))
        .hasMessageContaining("'strip-tag' applies to an e-mail address");
    assertThatThrownBy(() -> KeySource.Normalized.of(new KeySource.ClientIp(), Normalization.LOWER))
        .hasMessageContaining("ip/56");
    assertThatThrownBy(
            () ->
                KeySource.Normalized.of(
                    new KeySource.BodyField("e"),
                    Normalization.EMAIL,
                    Normalization.KEEP_LOCAL_CASE,
                    Normalization.LOWER))
        .hasMessageContaining("contradict");
  }
}
