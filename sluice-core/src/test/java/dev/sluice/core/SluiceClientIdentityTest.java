package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Identities a client cannot multiply: IPv6 clients grouped by prefix, normalised values, and key
 * sources from outside core ({@link KeySource.Custom}) that may refuse an identity.
 */
class SluiceClientIdentityTest extends EngineFixture {

  private Sluice perSource(KeySource source) {
    return engine(Rule.global("per-id", source, List.of(perHour("hourly", 10))));
  }

  private static Request.Builder from(String address) {
    return get("/").clientAddress(address);
  }

  // ---- IPv6 by prefix ----

  @Test
  void ip_twoAddressesInOneSlash64_shareABucket() {
    Sluice s = perSource(new KeySource.ClientIp());

    assertThat(remainingAfter(s, from("2001:db8:1:2::1"))).isEqualTo(9);
    assertThat(remainingAfter(s, from("2001:db8:1:2:dead:beef:0:7"))).isEqualTo(8);
    assertThat(remainingAfter(s, from("2001:DB8:1:2:ffff:ffff:ffff:ffff"))).isEqualTo(7);
  }

  @Test
  void ip_addressesInDifferentSlash64s_doNotShare() {
    Sluice s = perSource(new KeySource.ClientIp());

    assertThat(remainingAfter(s, from("2001:db8:1:2::1"))).isEqualTo(9);
    assertThat(remainingAfter(s, from("2001:db8:1:3::1"))).isEqualTo(9);
  }

  @Test
  void ip_rotatingThroughOneSlash64_cannotPassTheLimit() {
    Sluice s = perSource(new KeySource.ClientIp());
    int allowed = 0;
    for (int i = 0; i < 12; i++) {
      if (s.decide(from("2001:db8:0:42::" + Integer.toHexString(i + 1)).build()).allowed()) {
        allowed++;
      }
    }

    assertThat(allowed).isEqualTo(10);
  }

  @Test
  void ip_prefixIsConfigurable() {
    Sluice s56 = perSource(new KeySource.ClientIp(56, 32));
    assertThat(remainingAfter(s56, from("2001:db8:1:200::1"))).isEqualTo(9);
    assertThat(remainingAfter(s56, from("2001:db8:1:2ff::1"))).isEqualTo(8);
    assertThat(remainingAfter(s56, from("2001:db8:1:300::1"))).isEqualTo(9);

    Sluice s128 = perSource(new KeySource.ClientIp(128, 32));
    assertThat(remainingAfter(s128, from("2001:db8:1:2::1"))).isEqualTo(9);
    assertThat(remainingAfter(s128, from("2001:db8:1:2::2"))).isEqualTo(9);
  }

  @Test
  void ip_ipv4IsCountedPerAddress_unlessGivenAPrefix() {
    Sluice whole = perSource(new KeySource.ClientIp());
    assertThat(remainingAfter(whole, from("203.0.113.7"))).isEqualTo(9);
    assertThat(remainingAfter(whole, from("203.0.113.8"))).isEqualTo(9);
    assertThat(remainingAfter(whole, from("::ffff:203.0.113.7"))).isEqualTo(8);

    Sluice by24 = perSource(new KeySource.ClientIp(64, 24));
    assertThat(remainingAfter(by24, from("203.0.113.7"))).isEqualTo(9);
    assertThat(remainingAfter(by24, from("203.0.113.8"))).isEqualTo(8);
    assertThat(remainingAfter(by24, from("203.0.114.8"))).isEqualTo(9);
  }

  // ---- normalised values ----

  @Test
  void normalisedBodyField_countsSpellingsOfOneMailboxTogether() {
    Sluice s =
        perSource(
            KeySource.Normalized.of(
                new KeySource.BodyField("email"),
                KeySource.Normalization.EMAIL,
                KeySource.Normalization.STRIP_TAG));

    assertThat(remainingAfter(s, get("/").bodyField("email", "a@x.com"))).isEqualTo(9);
    assertThat(remainingAfter(s, get("/").bodyField("email", " A+x@X.com. "))).isEqualTo(8);
    assertThat(remainingAfter(s, get("/").bodyField("email", "b@x.com"))).isEqualTo(9);
  }

  @Test
  void normalisedSource_alreadyNormalValues_keepThePlainSourcesBuckets() {
    // Adding normalisation to a rule must not reset the counts of clients who wrote it plainly.
    Sluice plain = perSource(new KeySource.BodyField("email"));
    Sluice normal =
        perSource(
            KeySource.Normalized.of(
                new KeySource.BodyField("email"), KeySource.Normalization.EMAIL));
    // (the fixture's engines share one store and one identity secret)
    assertThat(remainingAfter(plain, get("/").bodyField("email", "a@x.com"))).isEqualTo(9);
    assertThat(remainingAfter(normal, get("/").bodyField("email", "a@x.com"))).isEqualTo(8);
    assertThat(remainingAfter(normal, get("/").bodyField("email", "A@x.com"))).isEqualTo(7);
    assertThat(normal.fingerprint("a@x.com")).isEqualTo(plain.fingerprint("a@x.com"));
  }

  // ---- sources from outside core ----

  /** A stand-in for sluice-jwt: header X-Token "good-N" is identity N, "bad" is refused. */
  record TokenSource(boolean reject) implements KeySource.Custom {
    @Override
    public String extract(RequestView request) {
      String t = request.header("X-Token");
      if (t == null) {
        return null;
      }
      if (t.startsWith("good-")) {
        return t.substring(5);
      }
      if (reject) {
        throw new KeySource.InvalidIdentity("token '" + t + "' does not verify");
      }
      return null;
    }

    @Override
    public String describe() {
      return "test token";
    }
  }

  @Test
  void customSource_countsPerItsIdentity_andFallsBackWhenItHasNone() {
    Sluice s =
        perSource(new KeySource.FirstOf(List.of(new TokenSource(false), new KeySource.ClientIp())));

    assertThat(remainingAfter(s, from("203.0.113.7").header("X-Token", "good-1"))).isEqualTo(9);
    assertThat(remainingAfter(s, from("203.0.113.9").header("X-Token", "good-1"))).isEqualTo(8);
    // forged tokens fall back to the address, where they all count together
    assertThat(remainingAfter(s, from("203.0.113.7").header("X-Token", "forged-1"))).isEqualTo(9);
    assertThat(remainingAfter(s, from("203.0.113.7").header("X-Token", "forged-2"))).isEqualTo(8);
  }

  @Test
  void customSource_refusingAnIdentity_makesTheRequestInvalid_namingTheRule() {
    Sluice s =
        perSource(new KeySource.FirstOf(List.of(new TokenSource(true), new KeySource.ClientIp())));

    Decision d = s.decide(from("203.0.113.7").header("X-Token", "forged").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.problem())
        .isEqualTo("rule 'per-id' cannot count this request: token 'forged' does not verify");
  }

  @Test
  void customSource_refusedInAShadowRule_neverMakesTheRequestInvalid() {
    Sluice s =
        engine(
            Rule.global("enforced", new KeySource.ClientIp(), List.of(perHour("h", 10))),
            new Rule(
                "watch",
                dev.sluice.core.policy.Route.parse("/**"),
                new TokenSource(true),
                List.of(perHour("w", 10)),
                dev.sluice.core.policy.Cost.ONE,
                Rule.MissingKey.REJECT,
                true));

    Decision d = s.decide(from("203.0.113.7").header("X-Token", "forged").build());

    assertThat(d.allowed()).isTrue();
    assertThat(d.outcome()).isEqualTo(Decision.Outcome.ALLOWED);
  }
}
