package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PolicyFiles;
import dev.sluice.core.http.ClientAddress;
import dev.sluice.core.policy.Policy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who the client is, behind trusted proxies and in front of none; spoofing attempts included. */
class ClientAddressTest {
  static final Policy NO_PROXIES = PolicyFiles.parse("global: {limits: 1/second}\n", "p.yaml");
  static final Policy BEHIND_LB =
      PolicyFiles.parse(
          "trusted-proxies: [10.0.0.0/8, 2001:db8::/32]\nglobal: {limits: 1/second}\n", "p.yaml");

  @Test
  void withoutTrustedProxies_theSocketPeerIsTheClientWhateverTheHeaderSays() {
    assertThat(ClientAddress.resolve("203.0.113.7", List.of("1.2.3.4"), NO_PROXIES))
        .isEqualTo("203.0.113.7");
  }

  @Test
  void anUntrustedPeer_cannotChooseItsIdentityByHeader() {
    assertThat(ClientAddress.resolve("203.0.113.7", List.of("10.0.0.1", "1.2.3.4"), BEHIND_LB))
        .isEqualTo("203.0.113.7");
  }

  @Test
  void behindATrustedProxy_theRightMostUntrustedEntryIsTheClient() {
    assertThat(ClientAddress.resolve("10.0.0.2", List.of("198.51.100.9"), BEHIND_LB))
        .isEqualTo("198.51.100.9");
    assertThat(
            ClientAddress.resolve(
                "10.0.0.2", List.of("6.6.6.6, 198.51.100.9, 10.1.1.1"), BEHIND_LB))
        .as("the client's own prefix (6.6.6.6) is ignored")
        .isEqualTo("198.51.100.9");
    assertThat(ClientAddress.resolve("10.0.0.2", List.of("6.6.6.6", "198.51.100.9"), BEHIND_LB))
        .as("several header lines read as one list")
        .isEqualTo("198.51.100.9");
  }

  @Test
  void whenEveryHopIsTrusted_theLeftMostIsTheClient() {
    assertThat(ClientAddress.resolve("10.0.0.2", List.of("10.9.9.9, 10.1.1.1"), BEHIND_LB))
        .isEqualTo("10.9.9.9");
  }

  @Test
  void garbage_stopsTheWalkAtTheLastTrustedHop() {
    assertThat(ClientAddress.resolve("10.0.0.2", List.of("unknown"), BEHIND_LB))
        .isEqualTo("10.0.0.2");
    assertThat(ClientAddress.resolve("10.0.0.2", List.of("evil.example, 10.0.0.3"), BEHIND_LB))
        .isEqualTo("10.0.0.3");
    assertThat(ClientAddress.resolve("10.0.0.2", List.of(""), BEHIND_LB)).isEqualTo("10.0.0.2");
  }

  @Test
  void portsBracketsAndSpellings_giveOneCanonicalAddress() {
    assertThat(ClientAddress.resolve("10.0.0.2", List.of("198.51.100.9:4711"), BEHIND_LB))
        .isEqualTo("198.51.100.9");
    assertThat(ClientAddress.resolve("10.0.0.2", List.of("[2001:DB9::1]:443"), BEHIND_LB))
        .isEqualTo(ClientAddress.resolve("10.0.0.2", List.of("2001:db9:0::1"), BEHIND_LB));
    assertThat(ClientAddress.resolve("::ffff:10.0.0.2", List.of("198.51.100.9"), BEHIND_LB))
        .as("an IPv4-mapped peer is the IPv4 proxy")
        .isEqualTo("198.51.100.9");
  }
}
