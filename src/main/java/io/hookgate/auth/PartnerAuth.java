package io.hookgate.auth;

import io.hookgate.http.ApiError;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * Authenticates a Partner API request by its Bearer access token and checks that the token carries the
 * route's scope: 401 when the token is missing, unknown or expired; 403 when the scope is missing;
 * 429 when the application exceeds its request rate.
 */
public final class PartnerAuth {
  private final Tokens tokens;
  private final PartnerRateLimiter limiter;

  public PartnerAuth(Tokens tokens, PartnerRateLimiter limiter) {
    this.tokens = tokens;
    this.limiter = limiter;
  }

  /** The guard of an operation that needs every one of {@code scopes}. */
  public Handler<RoutingContext> requiring(List<String> scopes) {
    return ctx -> {
      String token = BearerToken.from(ctx);
      if (token == null) {
        ctx.fail(ApiError.unauthorized("Missing Authorization: Bearer <access_token>"));
        return;
      }
      tokens.find(token).onComplete(found -> {
        if (found.failed()) {
          ctx.fail(found.cause());
        } else if (found.result() == null) {
          ctx.fail(ApiError.unauthorized("Access token is invalid or expired"));
        } else if (!found.result().scopes().containsAll(scopes)) {
          ctx.fail(ApiError.forbidden("Access token lacks the " + String.join(" and ", scopes) + " scope"));
        } else if (!limiter.tryAcquire(found.result().applicationId())) {
          ctx.fail(ApiError.rateLimited("Request rate limit exceeded for this application"));
        } else {
          ctx.put(Partner.KEY, found.result());
          ctx.next();
        }
      });
    };
  }
}
