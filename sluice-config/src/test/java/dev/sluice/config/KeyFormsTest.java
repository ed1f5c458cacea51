package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.KeySource.Normalization;
import dev.sluice.core.policy.Policy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Normalised keys ({@code body:email | email}), grouped addresses ({@code ip/56}) and provided
 * sources ({@code jwt}) in the policy format: what each form reads as, and located errors for
 * mistakes. sluice-jwt is not on this module's class path: {@code jwt} is reported as missing here
 * (sluice-jwt's own tests read it when present).
 */
class KeyFormsTest {

  private static KeySource key(String key) {
    Policy p = PolicyFiles.parse("global:\n  limits: 10/minute\n  key: " + key + "\n", "p.yaml");
    return p.rules().get(0).key();
  }

  private static PolicyException error(String yaml) {
    PolicyException e =
        catchThrowableOfType(PolicyException.class, () -> PolicyFiles.parse(yaml, "policy.yaml"));
    assertThat(e).as("a PolicyException for:%n%s", yaml).isNotNull();
    return e;
  }

  private static void assertLocated(PolicyException e, int line, int column, String field) {
    assertThat(new int[] {e.line(), e.column()}).containsExactly(line, column);
    assertThat(e.field()).isEqualTo(field);
  }

  @Test
  void pipeForm_readsTheSourceAndItsSteps() {
    assertThat(key("body:email | email | strip-tag"))
        .isEqualTo(
            KeySource.Normalized.of(
                new KeySource.BodyField("email"), Normalization.EMAIL, Normalization.STRIP_TAG));
    assertThat(key("header:X-User|trim|lower"))
        .isEqualTo(
            KeySource.Normalized.of(
                new KeySource.Header("X-User"), Normalization.TRIM, Normalization.LOWER));
  }

  @Test
  void pipeForm_worksInAFallbackChain() {
    assertThat(key("[body:email | email, ip]"))
        .isEqualTo(
            new KeySource.FirstOf(
                List.of(
                    KeySource.Normalized.of(new KeySource.BodyField("email"), Normalization.EMAIL),
                    new KeySource.ClientIp())));
  }

  @Test
  void longForm_readsSourceAndNormalize() {
    assertThat(key("{source: body:email, normalize: [email, keep-local-case]}"))
        .isEqualTo(
            KeySource.Normalized.of(
                new KeySource.BodyField("email"),
                Normalization.EMAIL,
                Normalization.KEEP_LOCAL_CASE));
    assertThat(key("{source: bearer}")).isEqualTo(new KeySource.Bearer());
  }

  @Test
  void ipPrefixes_readAsV6ThenV4() {
    assertThat(key("ip")).isEqualTo(new KeySource.ClientIp(64, 32));
    assertThat(key("ip/56")).isEqualTo(new KeySource.ClientIp(56, 32));
    assertThat(key("ip/128/24")).isEqualTo(new KeySource.ClientIp(128, 24));
  }

  @Test
  void unknownNormaliser_isLocatedWithASuggestion() {
    PolicyException e =
        error(
            """
            rules:
              - route: POST /auth/magic-link
                key: body:email | emial
                limits: 3/hour
            """);

    assertLocated(e, 3, 10, "rules[0].key");
    assertThat(e.problem()).isEqualTo("unknown normalisation 'emial'; did you mean 'email'?");
  }

  @Test
  void unknownNormaliserInTheLongForm_isLocatedAtNormalize() {
    PolicyException e =
        error(
            """
            global:
              limits: 10/minute
              key: {source: body:email, normalize: [email, strip-tags]}
            """);

    assertLocated(e, 3, 40, "global.key.normalize");
    assertThat(e.problem())
        .isEqualTo("unknown normalisation 'strip-tags'; did you mean 'strip-tag'?");
  }

  @Test
  void stripTagWithoutEmail_saysWhatToWrite() {
    PolicyException e = error("global:\n  limits: 10/minute\n  key: body:email | strip-tag\n");

    assertLocated(e, 3, 8, "global.key");
    assertThat(e.problem())
        .isEqualTo("'strip-tag' applies to an e-mail address; write 'email | strip-tag'");
  }

  @Test
  void normalisingTheAddress_pointsToPrefixes() {
    PolicyException e = error("global:\n  limits: 10/minute\n  key: ip | lower\n");

    assertLocated(e, 3, 8, "global.key");
    assertThat(e.problem()).contains("group them by prefix instead, e.g. ip/56");
  }

  @Test
  void badIpPrefix_isLocatedAndSaysTheRange() {
    PolicyException tooLong = error("global:\n  limits: 10/minute\n  key: [bearer, ip/129]\n");
    assertLocated(tooLong, 3, 17, "global.key[1]");
    assertThat(tooLong.problem())
        .isEqualTo("'ip/129': an IPv6 prefix length must be from 1 to 128, got 129");

    PolicyException v4 = error("global:\n  limits: 10/minute\n  key: ip/64/33\n");
    assertThat(v4.problem())
        .isEqualTo("'ip/64/33': an IPv4 prefix length must be from 1 to 32, got 33");

    PolicyException word = error("global:\n  limits: 10/minute\n  key: ip/sixty\n");
    assertThat(word.problem()).startsWith("'ip/sixty': 'sixty' is not a prefix length");
  }

  @Test
  void jwt_withoutTheJwtModule_saysWhichModuleHasIt() {
    PolicyException e = error("global:\n  limits: 10/minute\n  key: [jwt, ip]\n");

    assertLocated(e, 3, 9, "global.key[0]");
    assertThat(e.problem())
        .isEqualTo(
            "key source 'jwt' is in the sluice-jwt module, which is not on the class path; add"
                + " it (the sluice command has it)");
  }

  @Test
  void longFormOptions_onABuiltInSource_areRefused() {
    PolicyException e =
        error("global:\n  limits: 10/minute\n  key: {source: body:email, claim: sub}\n");

    assertLocated(e, 3, 29, "global.key.claim");
    assertThat(e.problem())
        .isEqualTo("unknown field 'claim'; the fields here are source, normalize");
  }
}
