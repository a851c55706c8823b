package io.hookgate.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The wire envelope of successful answers: {@code {"data": …}}, lists with {@code pagination}. */
public final class Responses {
  private Responses() {
  }

  public static void data(RoutingContext ctx, int status, Object data) {
    send(ctx, status, new JsonObject().put("data", data));
  }

  public static void page(RoutingContext ctx, JsonArray items, Pagination page, long total) {
    send(ctx, 200, new JsonObject().put("data", items).put("pagination", page.describe(total)));
  }

  public static Future<Void> send(RoutingContext ctx, int status, JsonObject body) {
    HttpServerResponse response = ctx.response();
    if (response.ended()) {
      return Future.succeededFuture();
    }
    return response.setStatusCode(status)
      .putHeader("Content-Type", "application/json")
      .putHeader("Cache-Control", "no-store")
      .end(body.toBuffer());
  }

  /** Completes the request with the future's data, or routes its failure to the error handler. */
  public static <T> void reply(RoutingContext ctx, int status, Future<T> result) {
    result.onSuccess(data -> data(ctx, status, data)).onFailure(ctx::fail);
  }

  public static void noContent(RoutingContext ctx) {
    ctx.response().setStatusCode(204).end();
  }
}
