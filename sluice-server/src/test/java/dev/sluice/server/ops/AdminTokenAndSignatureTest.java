package dev.sluice.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The admin token's comparison and the webhook signature. */
class AdminTokenAndSignatureTest {
  @Test
  void acceptsOnlyTheBearerToken() {
    AdminToken t = AdminToken.of("0123456789abcdef-token");

    assertThat(t.acceptsHeader("Bearer 0123456789abcdef-token")).isTrue();
    assertThat(t.acceptsHeader("bearer 0123456789abcdef-token")).isTrue();
    assertThat(t.acceptsHeader("Bearer 0123456789abcdef-tokem")).isFalse();
    assertThat(t.acceptsHeader("Bearer 0123456789abcdef-token2")).isFalse();
    assertThat(t.acceptsHeader("0123456789abcdef-token")).isFalse();
    assertThat(t.acceptsHeader(null)).isFalse();
    assertThat(t.accepts(null)).isFalse();
    assertThat(t.toString()).doesNotContain("0123");
  }

  @Test
  void generated_are48HexDigits_andDiffer() {
    assertThat(AdminToken.generate().value())
        .matches("[0-9a-f]{48}")
        .isNotEqualTo(AdminToken.generate().value());
  }

  @Test
  void shortOrSpacedTokens_areRefused() {
    assertThatThrownBy(() -> AdminToken.of("short")).hasMessageContaining("at least 16");
    assertThatThrownBy(() -> AdminToken.of("has a space in it, sadly"))
        .hasMessageContaining("without spaces");
  }

  /**
   * Header bytes are read as ISO-8859-1, so curl's UTF-8 "é" arrives as "Ã©": a token with a
   * character beyond ASCII was taken at start-up and then matched no request at all.
   */
  @Test
  void tokensBeyondPrintableAscii_areRefused() {
    for (String t :
        new String[] {
          "caf\u00e9-0123456789abcdef",
          "\u00a0nbsp-0123456789abcdef",
          "ctrl\u0085-0123456789abcdef",
          "emoji-\ud83d\ude00-0123456789abcdef",
          "del\u007f-0123456789abcdef"
        }) {
      assertThatThrownBy(() -> AdminToken.of(t))
          .as(t)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("ASCII only");
    }
    assertThat(
            AdminToken.of("~!#$%&'()*+,./:;<=>?@[]^_`{|}-0123456789")
                .acceptsHeader("Bearer ~!#$%&'()*+,./:;<=>?@[]^_`{|}-0123456789"))
        .isTrue();
  }

  @Test
  void signature_isHmacSha256_rfc4231Case2() {
    assertThat(Signature.hmacHex("Jefe", "what do ya want for nothing?"))
        .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assertThat(Signature.header("Jefe", 1_700_000_000L, "{}"))
        .isEqualTo("t=1700000000,v1=" + Signature.hmacHex("Jefe", "1700000000.{}"));
  }
}
