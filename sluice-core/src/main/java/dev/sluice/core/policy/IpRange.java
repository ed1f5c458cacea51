package dev.sluice.core.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A block of IP addresses in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}) or a single
 * address ({@code 127.0.0.1}, {@code ::1}), as a policy's trusted proxies name them.
 *
 * <p>Only address literals are accepted: a host name would need a DNS lookup at load time and would
 * silently trust whatever it resolved to. An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d})
 * matches the IPv4 block it maps to, since dual-stack sockets report IPv4 peers that way.
 */
public final class IpRange {
  private final String text;
  private final byte[] network;
  private final int prefix;

  private IpRange(String text, byte[] network, int prefix) {
    this.text = text;
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static IpRange parse(String text) {
    Objects.requireNonNull(text, "text");
    String s = text.trim();
    int slash = s.indexOf('/');
    String address = slash < 0 ? s : s.substring(0, slash);
    byte[] bytes = literal(address);
    if (bytes == null) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not an IP address or CIDR block"
              + " (write 10.0.0.0/8, 192.168.1.7 or 2001:db8::/32; host names are not accepted)");
    }
    // An IPv4-mapped IPv6 block (::ffff:10.0.0.0/104) is written with an IPv6 prefix length,
    // 96 more than that of the IPv4 block it stands for.
    boolean mapped = bytes.length == 4 && address.indexOf(':') >= 0;
    int bits = mapped ? 128 : bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String p = s.substring(slash + 1);
      if (p.isEmpty()
          || p.length() > 3
          || !p.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(p) > bits) {
        throw new IllegalArgumentException(
            "'"
                + text
                + "' has an invalid prefix length: it must be"
                + " a whole number from 0 to "
                + bits);
      }
      prefix = Integer.parseInt(p);
    }
    if (mapped) {
      if (prefix < 96) {
        throw new IllegalArgumentException(
            "'"
                + text
                + "' has an invalid prefix length: an IPv4-mapped block needs one from 96 to 128"
                + " (::ffff:10.0.0.0/104 is 10.0.0.0/8)");
      }
      prefix -= 96;
    }
    return new IpRange(s, mask(bytes, prefix), prefix);
  }

  /** Whether {@code address} (an IP literal) lies in this block; {@code false} if it is not one. */
  public boolean contains(String address) {
    byte[] a = address == null ? null : literal(address);
    return a != null && contains(a);
  }

  /** Whether the raw address (4 or 16 bytes) lies in this block. */
  public boolean contains(byte[] address) {
    byte[] a = unmapped(address);
    if (a.length != network.length) {
      return false;
    }
    return Arrays.equals(mask(a, prefix), network);
  }

  private static byte[] mask(byte[] address, int prefix) {
    byte[] m = address.clone();
    for (int i = 0; i < m.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      m[i] &= (byte) (0xff00 >>> keep);
    }
    return m;
  }

  /**
   * {@code address} in one canonical spelling ({@code 2001:db8:0:0:0:0:0:1} for any way of writing
   * that address, IPv4-mapped IPv6 as plain IPv4), or {@code null} if it is not an IP literal. A
   * client spelled two ways must not get two buckets.
   */
  public static String canonical(String address) {
    byte[] a = address == null ? null : literal(address);
    if (a == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(a).getHostAddress();
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // 4 or 16 bytes always make an address
    }
  }

  /**
   * The group of clients {@code address} belongs to, as one canonical string: an IPv6 address by
   * its first {@code v6PrefixBits} bits ({@code 2001:db8:1:2:0:0:0:0/64} for every address of that
   * {@code /64}), an IPv4 address whole ({@code 203.0.113.7}). IPv4-mapped IPv6 counts as IPv4. A
   * prefix of the full length gives the canonical address alone, with no {@code /N}. {@code null}
   * if {@code address} is not an IP literal.
   *
   * <p>Why by prefix: an IPv6 host is usually given a whole {@code /64} and may use any address in
   * it (privacy addresses rotate by themselves), so counting per address lets one client be
   * millions. Sluice's {@code ip} key and the gateway's per-client connection caps both group this
   * way, so a client is the same client to both.
   *
   * @param v6PrefixBits 1 to 128; {@link KeySource.ClientIp#DEFAULT_V6_PREFIX} is the usual choice
   */
  public static String group(String address, int v6PrefixBits) {
    return group(address, v6PrefixBits, 32);
  }

  /**
   * {@link #group(String, int)}, with IPv4 addresses grouped by their first {@code v4PrefixBits}
   * bits too ({@code 203.0.113.0/24}), for networks that put many clients behind one block.
   *
   * @param v4PrefixBits 1 to 32
   */
  public static String group(String address, int v6PrefixBits, int v4PrefixBits) {
    if (v6PrefixBits < 1 || v6PrefixBits > 128 || v4PrefixBits < 1 || v4PrefixBits > 32) {
      throw new IllegalArgumentException(
          "prefix lengths must be 1 to 128 (IPv6) and 1 to 32 (IPv4), got /"
              + v6PrefixBits
              + " and /"
              + v4PrefixBits);
    }
    byte[] a = address == null ? null : literal(address);
    if (a == null) {
      return null;
    }
    int bits = a.length == 4 ? v4PrefixBits : v6PrefixBits;
    String text;
    try {
      text = InetAddress.getByAddress(mask(a, bits)).getHostAddress();
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // 4 or 16 bytes always make an address
    }
    return bits == a.length * 8 ? text : text + "/" + bits;
  }

  /** The bytes of an IP literal, IPv4-mapped IPv6 unmapped; {@code null} if not a literal. */
  static byte[] literal(String s) {
    if (s.isEmpty() || s.length() > 45) {
      return null;
    }
    boolean colon = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= '0' && c <= '9')
              || c == '.'
              || c == ':'
              || (c >= 'a' && c <= 'f')
              || (c >= 'A' && c <= 'F');
      if (!ok) {
        return null;
      }
      colon |= c == ':';
    }
    if (!colon && !s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
      return null;
    }
    if (!colon && s.chars().filter(c -> c == '.').count() != 3) {
      return null; // InetAddress takes "10.1" as 10.0.0.1; a policy should say what it means
    }
    try { // brackets make InetAddress treat it as a literal or fail: never a DNS lookup
      return unmapped(InetAddress.getByName(colon ? "[" + s + "]" : s).getAddress());
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte[] unmapped(byte[] a) {
    if (a.length == 16) {
      for (int i = 0; i < 10; i++) {
        if (a[i] != 0) {
          return a;
        }
      }
      if (a[10] == (byte) 0xff && a[11] == (byte) 0xff) {
        return Arrays.copyOfRange(a, 12, 16);
      }
    }
    return a;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IpRange r && r.prefix == prefix && Arrays.equals(r.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefix;
  }

  /** As written in the policy. */
  @Override
  public String toString() {
    return text;
  }
}
