package io.hookgate.auth;

import io.vertx.ext.web.RoutingContext;

import java.util.Set;
import java.util.UUID;

/** The partner application a Partner API request acts for, with the scopes its token grants. */
public record Partner(UUID applicationId, Set<String> scopes) {
  static final String KEY = "hookgate.partner";

  public static Partner of(RoutingContext ctx) {
    Partner partner = ctx.get(KEY);
    if (partner == null) {
      throw new IllegalStateException("route is not behind PartnerAuth");
    }
    return partner;
  }
}
