package io.hookgate.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network such as {@code 127.0.0.0/8}. */
public record Cidr(byte[] network, int prefix) {

  public static boolean valid(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("no prefix length");
    }
    String address = text.substring(0, slash).trim();
    // Only literals: never let a host name reach the resolver here.
    if (!address.matches("[0-9a-fA-F:.]+")) {
      throw new IllegalArgumentException("not an IP literal");
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
    int prefix;
    try {
      prefix = Integer.parseInt(text.substring(slash + 1).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(e);
    }
    if (prefix < 0 || prefix > bytes.length * 8) {
      throw new IllegalArgumentException("prefix out of range");
    }
    return new Cidr(bytes, prefix);
  }

  public boolean contains(InetAddress address) {
    byte[] candidate = address.getAddress();
    if (candidate.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (candidate[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xFF << (8 - rest) & 0xFF;
    return (candidate[full] & mask) == (network[full] & mask);
  }
}
