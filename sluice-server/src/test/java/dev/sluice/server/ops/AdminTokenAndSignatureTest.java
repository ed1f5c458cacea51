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
    assertThat(AdminToken.generate().value()).matches("[0-9a-f]{48}")
        .isNotEqualTo(AdminToken.generate().value());
  }

  @Test
  void shortOrSpacedTokens_areRefused() {
    assertThatThrownBy(() -> AdminToken.of("short")).hasMessageContaining("at least 16");
    assertThatThrownBy(() -> AdminToken.of("has a space in it, sadly")).hasMessageContaining("without spaces");
  }

  @Test
  void signature_isHmacSha256_rfc4231Case2() {
    assertThat(Signature.hmacHex("Jefe", "what do ya want for nothing?"))
        .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assertThat(Signature.header("Jefe", 1_700_000_000L, "{}"))
        .isEqualTo("t=1700000000,v1=" + Signature.hmacHex("Jefe", "1700000000.{}"));
  }
}
