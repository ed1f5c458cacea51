package dev.sluice.server.gateway;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many client connections the proxy holds, in total and per client address, and whether one
 * more may be let in. Counted when a connection is accepted, released when it closes, from any
 * event loop.
 *
 * <p>The client is the socket's peer: the address a trusted proxy would name comes with the
 * request, after the connection is accepted. An IPv6 peer counts by its /64, which a single host is
 * commonly given whole. A peer the policy trusts as a proxy is not capped per client (it carries
 * many clients), only counted in the total.
 */
final class ConnectionLimits {
  /** Whether a connection may be let in. */
  enum Admission {
    ADMITTED,
    /** The proxy holds its most connections. */
    OVER_TOTAL,
    /** The client's address holds its most connections. */
    OVER_PER_CLIENT
  }

  private final int maxTotal;
  private final int maxPerClient;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentHashMap<Object, Integer> perClient = new ConcurrentHashMap<>();

  ConnectionLimits(int maxTotal, int maxPerClient) {
    this.maxTotal = maxTotal;
    this.maxPerClient = maxPerClient;
  }

  /**
   * What a client's connections are counted under: its IPv4 address, or its IPv6 address's first 64
   * bits. IPv4-mapped IPv6 peers reach Java as IPv4 already.
   */
  static Object clientKey(InetAddress peer) {
    byte[] a = peer.getAddress();
    if (peer instanceof Inet4Address) {
      return ((a[0] & 0xff) << 24) | ((a[1] & 0xff) << 16) | ((a[2] & 0xff) << 8) | (a[3] & 0xff);
    }
    long prefix = 0;
    for (int i = 0; i < 8; i++) {
      prefix = prefix << 8 | (a[i] & 0xff);
    }
    return prefix; // a Long: never equal to an IPv4 address's Integer
  }

  /**
   * Counts one more connection from {@code client} (a {@link #clientKey}, or {@code null} for a
   * peer not capped per client) if the limits allow it.
   */
  Admission admit(Object client) {
    if (total.incrementAndGet() > maxTotal) {
      total.decrementAndGet();
      return Admission.OVER_TOTAL;
    }
    if (client == null) {
      return Admission.ADMITTED;
    }
    boolean[] over = {false};
    perClient.compute(
        client,
        (k, n) -> {
          if (n == null) {
            return 1;
          }
          if (n >= maxPerClient) {
            over[0] = true;
            return n;
          }
          return n + 1;
        });
    if (over[0]) {
      total.decrementAndGet();
      return Admission.OVER_PER_CLIENT;
    }
    return Admission.ADMITTED;
  }

  /** A connection admitted for {@code client} closed. */
  void release(Object client) {
    if (client != null) {
      perClient.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
    }
    total.decrementAndGet();
  }

  /** The connections held now. */
  int open() {
    return total.get();
  }

  int maxTotal() {
    return maxTotal;
  }

  int maxPerClient() {
    return maxPerClient;
  }
}
