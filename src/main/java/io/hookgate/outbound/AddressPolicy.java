package io.hookgate.outbound;

import io.hookgate.config.Cidr;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * The SSRF guard: which addresses Hookgate may deliver to. Loopback, private (RFC 1918), link-local,
 * CGNAT (100.64/10), unique-local (fc00::/7), unspecified, multicast and reserved addresses are
 * refused unless an operator allows a network explicitly. Applied to the addresses a host name
 * resolves to, not only to the name.
 */
public final class AddressPolicy {
  private static final List<Cidr> ALWAYS_BLOCKED = List.of(
    Cidr.parse("0.0.0.0/8"),
    Cidr.parse("100.64.0.0/10"),
    Cidr.parse("192.0.0.0/24"),
    Cidr.parse("198.18.0.0/15"),
    Cidr.parse("240.0.0.0/4"),
    Cidr.parse("fc00::/7"),
    // IPv4-compatible IPv6 (deprecated): ::127.0.0.1 is not loopback to Java, but means it.
    Cidr.parse("::/96"),
    Cidr.parse("64:ff9b::/96"),
    Cidr.parse("64:ff9b:1::/48"));

  private final List<Cidr> allowed;

  public AddressPolicy(List<String> allowedNetworks) {
    this.allowed = allowedNetworks.stream().map(Cidr::parse).toList();
  }

  public boolean permits(InetAddress address) {
    InetAddress effective = unwrapMapped(address);
    for (Cidr network : allowed) {
      if (network.contains(effective)) {
        return true;
      }
    }
    return !internal(effective);
  }

  private static boolean internal(InetAddress a) {
    if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
      || a.isMulticastAddress()) {
      return true;
    }
    if (a instanceof Inet4Address && a.getAddress()[0] == (byte) 255) {
      return true;
    }
    for (Cidr network : ALWAYS_BLOCKED) {
      if (network.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /** {@code ::ffff:10.0.0.1} is judged as {@code 10.0.0.1}. */
  private static InetAddress unwrapMapped(InetAddress address) {
    if (address instanceof Inet6Address) {
      byte[] b = address.getAddress();
      boolean mapped = true;
      for (int i = 0; i < 10; i++) {
        mapped &= b[i] == 0;
      }
      mapped &= b[10] == (byte) 0xff && b[11] == (byte) 0xff;
      if (mapped) {
        try {
          return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (java.net.UnknownHostException e) {
          return address;
        }
      }
    }
    return address;
  }
}
