package io.hookgate.outbound;

import java.net.URI;

/** Endpoint URLs as metric labels and log text: scheme, host, port and path, never the query. */
public final class Endpoints {
  private Endpoints() {
  }

  public static String label(String url) {
    try {
      URI uri = URI.create(url);
      return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
        + (uri.getRawPath() == null ? "" : uri.getRawPath());
    } catch (IllegalArgumentException e) {
      return "invalid";
    }
  }
}
