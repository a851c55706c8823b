package io.hookgate.retention;

import io.hookgate.http.ApiError;
import io.hookgate.http.DateParams;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.PathIds;
import io.hookgate.http.Responses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * {@code /api/v1/erasures}: the platform asks for a merchant's payloads to be erased (a {@code shop/redact}
 * or a data-subject request) and follows the request until it is done.
 */
public final class ErasureRoutes {
  private static final String NOT_FOUND = "Erasure not found";
  private final Pool pool;
  private final ErasureStore erasures = new ErasureStore();

  public ErasureRoutes(Pool pool) {
    this.pool = pool;
  }

  public void mount(Operations ops) {
    ops.on("requestErasure", this::request)
      .on("getErasure", this::get);
  }

  private void request(RoutingContext ctx) {
    JsonObject body = Json.body(ctx);
    String merchant = body.getString("merchant_id");
    OffsetDateTime from = DateParams.from("from", body.getString("from"));
    OffsetDateTime until = DateParams.until("until", body.getString("until"));
    Instant end = until == null ? Instant.now() : until.toInstant();
    if (from != null && !from.toInstant().isBefore(end)) {
      throw ApiError.invalidField("from", "must be before until");
    }
    Responses.reply(ctx, 202, Erasures.request(pool, merchant, from == null ? null : from.toInstant(), end)
      .map(ErasureStore.Erasure::json));
  }

  private void get(RoutingContext ctx) {
    Responses.reply(ctx, 200, erasures.get(pool, PathIds.uuid(ctx, "id", NOT_FOUND)).map(e -> {
      if (e == null) {
        throw ApiError.notFound(NOT_FOUND);
      }
      return e.json();
    }));
  }
}
