package io.hookgate.outbound;

import java.net.URI;
import java.net.URISyntaxException;

/** What a webhook endpoint URL must look like before Hookgate stores it. */
public final class EndpointUrls {
  public static final int MAX_LENGTH = 2048;

  private EndpointUrls() {
  }

  /** Null when the URL is acceptable, else what is wrong with it. */
  public static String problem(String url) {
    if (url.isEmpty() || url.length() > MAX_LENGTH) {
      return "must be an http(s) URL of at most " + MAX_LENGTH + " characters";
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "is not a valid URL";
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      return "must use http or https";
    }
    if (uri.getRawUserInfo() != null) {
      return "must not contain credentials (user:password@); use custom headers or the signature instead";
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return "must name a host";
    }
    if (uri.getRawFragment() != null) {
      return "must not contain a fragment (#…)";
    }
    if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
      return "must have a port between 1 and 65535";
    }
    if (!uri.getHost().startsWith("[") && looksNumeric(uri.getHost()) && !canonicalIpv4(uri.getHost())) {
      return "must name its host as a canonical IPv4 address (four decimal numbers, 0-255, no leading zeros),"
        + " a bracketed IPv6 address or a host name; numeric forms like 0x7f000001 or 0177.0.0.1 are not allowed";
    }
    return null;
  }

  /**
   * Whether a host name is meant as an IPv4 address in one of its many legacy spellings: its last label
   * is a number (decimal, or hex with 0x). Resolvers and URL parsers disagree on those spellings
   * ({@code 0x7f000001}, {@code 2130706433}, {@code 0177.0.0.1} may all be 127.0.0.1), so only the
   * canonical form is accepted.
   */
  public static boolean looksNumeric(String host) {
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    String last = name.substring(name.lastIndexOf('.') + 1);
    return !last.isEmpty() && (last.chars().allMatch(Character::isDigit)
      || last.length() > 1 && last.charAt(0) == '0' && (last.charAt(1) == 'x' || last.charAt(1) == 'X'));
  }

  /** Four decimal numbers 0-255 without leading zeros, dot-separated, nothing else. */
  public static boolean canonicalIpv4(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
        || part.length() > 1 && part.charAt(0) == '0' || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  /** Names that resolve to the local host by convention or by /etc/hosts, whatever DNS says. */
  public static boolean loopbackName(String host) {
    String name = host.toLowerCase(java.util.Locale.ROOT);
    name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    return name.equals("localhost") || name.endsWith(".localhost") || name.equals("localhost.localdomain")
      || name.equals("ip6-localhost") || name.equals("ip6-loopback");
  }
}
