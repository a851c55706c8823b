package io.hookgate.http;

import io.vertx.ext.web.RoutingContext;

import java.util.UUID;

public final class PathIds {
  private PathIds() {
  }

  /** A UUID path parameter; anything that is not a UUID cannot name a resource, so it is a 404. */
  public static UUID uuid(RoutingContext ctx, String name, String notFoundMessage) {
    try {
      return UUID.fromString(ctx.pathParam(name));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw ApiError.notFound(notFoundMessage);
    }
  }
}
