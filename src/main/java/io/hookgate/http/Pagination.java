package io.hookgate.http;

import io.hookgate.config.HookgateConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code page_size} / {@code page_number} paging, validated against the configured bounds. */
public record Pagination(int pageSize, int pageNumber) {

  public static Pagination from(RoutingContext ctx, HookgateConfig.Api api) {
    int size = positive(ctx, "page_size", api.defaultPageSize());
    if (size > api.maxPageSize()) {
      throw ApiError.invalidField("page_size", "must be between 1 and " + api.maxPageSize());
    }
    return new Pagination(size, positive(ctx, "page_number", 1));
  }

  private static int positive(RoutingContext ctx, String name, int fallback) {
    String text = ctx.request().getParam(name);
    if (text == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text);
      if (value >= 1) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiError.invalidField(name, "must be a positive integer");
  }

  public int offset() {
    return (pageNumber - 1) * pageSize;
  }

  public JsonObject describe(long total) {
    return new JsonObject()
      .put("page_size", pageSize)
      .put("page_number", pageNumber)
      .put("total", total)
      .put("total_pages", (total + pageSize - 1) / pageSize);
  }
}
