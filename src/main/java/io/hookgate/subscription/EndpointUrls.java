package io.hookgate.subscription;

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
    return null;
  }
}
