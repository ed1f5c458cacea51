package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which part of a client address counts as one client for the ceiling on new identities. */
class OriginsTest {

  @Test
  void anIpv4Address_isAClientOfItsOwn() {
    assertThat(Origins.prefix("203.0.113.7")).isEqualTo("203.0.113.7");
  }

  @Test
  void anIpv6Address_countsByItsSlash64_howeverItIsSpelt() {
    assertThat(Origins.prefix("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).isEqualTo("2001:db8:1:2::/64");
    assertThat(Origins.prefix("2001:db8:1:2::1")).isEqualTo("2001:db8:1:2::/64");
    assertThat(Origins.prefix("2001:DB8:0001:0002::ffff")).isEqualTo("2001:db8:1:2::/64");
    assertThat(Origins.prefix("2001:db8::1")).isEqualTo("2001:db8:0:0::/64");
    assertThat(Origins.prefix("::1")).isEqualTo("0:0:0:0::/64");
    assertThat(Origins.prefix("[2001:db8:1:2::1]")).isEqualTo("2001:db8:1:2::/64");
    assertThat(Origins.prefix("fe80::1%eth0")).isEqualTo("fe80:0:0:0::/64");
  }

  @Test
  void whatIsNotAPlainIpv6Literal_isUsedWhole() {
    assertThat(Origins.prefix("not:an:address")).isEqualTo("not:an:address");
    assertThat(Origins.prefix("1:2:3:4:5:6:7:8:9")).isEqualTo("1:2:3:4:5:6:7:8:9");
    assertThat(Origins.prefix("1::2::3")).isEqualTo("1::2::3");
    assertThat(Origins.prefix("::ffff:1.2.3.4")).isEqualTo("::ffff:1.2.3.4");
  }
}
