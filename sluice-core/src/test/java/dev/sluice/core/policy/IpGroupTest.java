package dev.sluice.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** IpRange.group: the client an address stands for, shared by the ip key and connection caps. */
class IpGroupTest {

  @Test
  void ipv6_byDefaultPrefix_isItsSlash64() {
    assertThat(IpRange.group("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64))
        .isEqualTo("2001:db8:1:2:0:0:0:0/64");
    assertThat(IpRange.group("2001:DB8:1:2::1", 64)).isEqualTo("2001:db8:1:2:0:0:0:0/64");
    assertThat(IpRange.group("2001:db8:1:3::1", 64)).isEqualTo("2001:db8:1:3:0:0:0:0/64");
  }

  @Test
  void ipv6_prefixIsConfigurable() {
    assertThat(IpRange.group("2001:db8:1:2ff::1", 56)).isEqualTo("2001:db8:1:200:0:0:0:0/56");
    assertThat(IpRange.group("2001:db8::1", 128)).isEqualTo("2001:db8:0:0:0:0:0:1");
  }

  @Test
  void ipv4_isWholeByDefault_orByItsOwnPrefix() {
    assertThat(IpRange.group("203.0.113.7", 64)).isEqualTo("203.0.113.7");
    assertThat(IpRange.group("::ffff:203.0.113.7", 64)).isEqualTo("203.0.113.7");
    assertThat(IpRange.group("203.0.113.7", 64, 24)).isEqualTo("203.0.113.0/24");
  }

  @Test
  void notAnAddress_isNull_andBadPrefixesAreRefused() {
    assertThat(IpRange.group("example.com", 64)).isNull();
    assertThat(IpRange.group(null, 64)).isNull();
    assertThatThrownBy(() -> IpRange.group("::1", 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IpRange.group("::1", 129))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IpRange.group("1.2.3.4", 64, 33))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
