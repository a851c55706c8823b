package io.hookgate.auth;

import io.vertx.ext.web.RoutingContext;

final class BearerToken {
  private BearerToken() {
  }

  /** The token of an {@code Authorization: Bearer …} header, or null when there is none. */
  static String from(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
