package io.hookgate.auth;

import io.hookgate.http.ApiError;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Guards the Platform API with the admin key ({@code Authorization: Bearer <key>}). Only the key's
 * hash is kept in memory, and the comparison runs in constant time.
 */
public final class AdminAuth implements Handler<RoutingContext> {
  private final byte[] keyHash;

  public AdminAuth(String adminKey) {
    this.keyHash = Credentials.sha256(adminKey);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String presented = BearerToken.from(ctx);
    if (presented == null) {
      ctx.fail(ApiError.unauthorized("Missing Authorization: Bearer <platform key>"));
    } else if (!Credentials.matches(presented, keyHash)) {
      ctx.fail(ApiError.unauthorized("Invalid platform key"));
    } else {
      ctx.next();
    }
  }
}
