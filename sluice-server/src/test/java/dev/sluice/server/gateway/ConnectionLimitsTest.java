package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.gateway.ConnectionLimits.Admission;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** The connection counts: per address (an IPv6 /64 as one), in total, and released on close. */
class ConnectionLimitsTest {
  static Object key(String address) throws UnknownHostException {
    return ConnectionLimits.clientKey(InetAddress.getByName(address));
  }

  @Test
  void ipv6AddressesInOneSlash64_shareTheirCap_anotherSlash64DoesNot() throws Exception {
    ConnectionLimits limits = new ConnectionLimits(100, 2);

    assertThat(limits.admit(key("2001:db8:1:2::1"))).isEqualTo(Admission.ADMITTED);
    assertThat(limits.admit(key("2001:db8:1:2:ffff:ffff:ffff:ffff"))).isEqualTo(Admission.ADMITTED);
    assertThat(limits.admit(key("2001:db8:1:2::99"))).isEqualTo(Admission.OVER_PER_CLIENT);
    assertThat(limits.admit(key("2001:db8:1:3::1"))).isEqualTo(Admission.ADMITTED);
    assertThat(limits.open()).isEqualTo(3);
  }

  @Test
  void anIpv4AddressMappedInIpv6_isThatIpv4Address() throws Exception {
    assertThat(key("::ffff:192.0.2.7")).isEqualTo(key("192.0.2.7"));
    assertThat(key("192.0.2.7")).isNotEqualTo(key("192.0.2.8"));
  }

  @Test
  void aClosedConnection_makesRoomForAnother() throws Exception {
    ConnectionLimits limits = new ConnectionLimits(2, 1);
    Object a = key("192.0.2.1");

    assertThat(limits.admit(a)).isEqualTo(Admission.ADMITTED);
    assertThat(limits.admit(a)).isEqualTo(Admission.OVER_PER_CLIENT);
    limits.release(a);
    assertThat(limits.admit(a)).isEqualTo(Admission.ADMITTED);
    assertThat(limits.admit(key("192.0.2.2"))).isEqualTo(Admission.ADMITTED);
    assertThat(limits.admit(null))
        .as("exempt per client, not from the total")
        .isEqualTo(Admission.OVER_TOTAL);
    assertThat(limits.open()).isEqualTo(2);
  }
}
