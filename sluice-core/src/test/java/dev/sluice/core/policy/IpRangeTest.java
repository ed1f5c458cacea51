package dev.sluice.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpRangeTest {

  @Test
  void anIpv4BlockContainsExactlyItsAddresses() {
    IpRange r = IpRange.parse("10.1.0.0/16");
    assertThat(r.contains("10.1.0.0")).isTrue();
    assertThat(r.contains("10.1.255.255")).isTrue();
    assertThat(r.contains("10.2.0.0")).isFalse();
    assertThat(r.contains("10.0.255.255")).isFalse();
  }

  @Test
  void aSingleAddressIsABlockOfOne() {
    IpRange r = IpRange.parse("127.0.0.1");
    assertThat(r.contains("127.0.0.1")).isTrue();
    assertThat(r.contains("127.0.0.2")).isFalse();
  }

  @Test
  void prefixesThatAreNotByteAlignedMaskTheRightBits() {
    IpRange r = IpRange.parse("192.168.1.64/26");
    assertThat(r.contains("192.168.1.64")).isTrue();
    assertThat(r.contains("192.168.1.127")).isTrue();
    assertThat(r.contains("192.168.1.63")).isFalse();
    assertThat(r.contains("192.168.1.128")).isFalse();
    assertThat(IpRange.parse("0.0.0.0/0").contains("8.8.8.8")).isTrue();
  }

  @Test
  void ipv6BlocksAndIpv4MappedPeers() {
    IpRange v6 = IpRange.parse("2001:db8::/32");
    assertThat(v6.contains("2001:db8:ffff::1")).isTrue();
    assertThat(v6.contains("2001:db9::1")).isFalse();
    assertThat(v6.contains("10.0.0.1")).isFalse();
    assertThat(IpRange.parse("::1").contains("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(IpRange.parse("10.0.0.0/8").contains("::ffff:10.9.8.7"))
        .as("a dual-stack socket reports an IPv4 peer as IPv4-mapped")
        .isTrue();
  }

  @Test
  void ipv4MappedBlocks_takeIpv6PrefixLengths() {
    IpRange mapped = IpRange.parse("::ffff:10.0.0.0/104");
    assertThat(mapped).isEqualTo(IpRange.parse("10.0.0.0/8")).hasToString("::ffff:10.0.0.0/104");
    assertThat(mapped.contains("10.9.8.7")).isTrue();
    assertThat(mapped.contains("::ffff:10.9.8.7")).isTrue();
    assertThat(mapped.contains("11.0.0.1")).isFalse();
    assertThat(IpRange.parse("::ffff:192.168.1.7").contains("192.168.1.7")).isTrue();
    assertThat(IpRange.parse("::ffff:192.168.1.7/128").contains("192.168.1.8")).isFalse();
    assertThatThrownBy(() -> IpRange.parse("::ffff:10.0.0.0/8"))
        .as("an IPv6 /8, not 10.0.0.0/8")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "'::ffff:10.0.0.0/8' has an invalid prefix length: an IPv4-mapped block needs"
                + " one from 96 to 128 (::ffff:10.0.0.0/104 is 10.0.0.0/8)");
    assertThatThrownBy(() -> IpRange.parse("::ffff:10.0.0.0/129"))
        .hasMessage(
            "'::ffff:10.0.0.0/129' has an invalid prefix length: it must be a whole number from 0"
                + " to 128");
  }

  @Test
  void whatIsNotAnAddressIsNeverContained() {
    IpRange r = IpRange.parse("0.0.0.0/0");
    assertThat(r.contains("unknown")).isFalse();
    assertThat(r.contains("")).isFalse();
    assertThat(r.contains((String) null)).isFalse();
  }

  @Test
  void canonicalSpellingIsOnePerAddress() {
    assertThat(IpRange.canonical("2001:DB8::1")).isEqualTo(IpRange.canonical("2001:db8:0:0::1"));
    assertThat(IpRange.canonical("::ffff:10.0.0.1")).isEqualTo("10.0.0.1");
    assertThat(IpRange.canonical("10.0.0.1")).isEqualTo("10.0.0.1");
    assertThat(IpRange.canonical("evil.example")).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "localhost",
        "10.0.0.0/33",
        "10.0.0.0/",
        "10.0.0.0/x",
        "10.1",
        "1.2.3.4.5",
        "::1/129",
        "2001:db8::g",
        "example.com/8",
        "",
        "300.1.1.1"
      })
  void refusesWhatIsNotALiteralBlockSayingWhy(String text) {
    assertThatThrownBy(() -> IpRange.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }
}
