package io.hookgate.ingest;

import io.hookgate.catalog.EventCatalog;
import io.hookgate.config.HookgateConfig;
import io.hookgate.engine.FanoutLedger;
import io.hookgate.http.ApiError;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.Responses;
import io.hookgate.subscription.SubscriptionIndex;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Platform API: event ingest ({@code POST /api/v1/events}, one event or {@code {"events": [...]}}) and
 * event lookup with its deliveries. Ingest answers 202 only after the event and its deliveries are
 * committed. The body is validated here rather than by the contract validator: this is the hot path,
 * and the rules (catalog membership, per-event size) are not expressible in the schema anyway.
 */
public final class EventRoutes {
  private static final String NOT_FOUND = "Event not found";
  private static final String EVENT = """
    SELECT id, type, merchant_id, occurred_at, received_at, livemode, application_ids, body
      FROM events WHERE id = $1""";
  // A delivery whose first attempt is still under way has no row yet, only its place in the event's fan-out
  // (FanoutLedger): it is listed as pending, with no attempt made.
  private static final String DELIVERIES = """
    SELECT id, subscription_id, application_id, status, attempts, nullif(next_attempt_at, 'infinity') AS next_attempt_at,
           last_status_code, last_failure_reason, created_at, updated_at, completed_at
      FROM deliveries WHERE event_id = $1
    UNION ALL
    SELECT f.id, f.subscription_id, s.application_id, 'pending', 0, e.received_at, NULL, NULL, e.received_at,
           e.received_at, NULL
      FROM\s""" + FanoutLedger.FANOUT + """

     WHERE e.id = $1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = f.id)
     ORDER BY created_at, id""";

  private final EventCatalog catalog;
  private final SubscriptionIndex index;
  private final IngestWriter writer;
  private final Pool pool;
  private final HookgateConfig.Ingest config;

  public EventRoutes(EventCatalog catalog, SubscriptionIndex index, IngestWriter writer, Pool pool,
                     HookgateConfig.Ingest config) {
    this.catalog = catalog;
    this.index = index;
    this.writer = writer;
    this.pool = pool;
    this.config = config;
  }

  public void mount(Operations ops) {
    ops.onUnvalidated("ingestEvents", this::ingest)
      .on("getEvent", this::get);
  }

  private void ingest(RoutingContext ctx) {
    Object parsed = Json.request(ctx.body() == null || ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer());
    if (!(parsed instanceof JsonObject body)) {
      throw ApiError.invalid("Request body must be a JSON object: one event, or {\"events\": [...]}");
    }
    String idempotencyKey = ctx.request().getHeader("Idempotency-Key");
    if (idempotencyKey != null && !idempotencyKey.matches("[A-Za-z0-9_.:\\-]{1,100}")) {
      throw ApiError.invalidField("Idempotency-Key", "must be 1 to 100 letters, digits or _ . : -");
    }
    boolean batch = body.containsKey("events");
    if (batch && body.size() != 1) {
      throw ApiError.invalid("A batch is {\"events\": [...]} with no other fields");
    }
    catalog.names().onSuccess(names -> {
      List<NewEvent> events;
      try {
        events = batch ? parseBatch(body.getValue("events"), idempotencyKey, names)
          : List.of(NewEvent.parse(body, "", idempotencyKey, names, config.maxEventBytes()));
      } catch (ApiError e) {
        ctx.fail(e);
        return;
      }
      writer.write(events, index).onSuccess(results -> {
        JsonArray data = new JsonArray();
        results.forEach(r -> data.add(new JsonObject().put("id", r.id()).put("deliveries", r.deliveries())
          .put("duplicate", r.duplicate())));
        Responses.data(ctx, 202, batch ? data : data.getJsonObject(0));
      }).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  private List<NewEvent> parseBatch(Object value, String idempotencyKey, Set<String> names) {
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > config.maxBatch()) {
      throw ApiError.invalidField("events", "must be a list of 1 to " + config.maxBatch() + " events");
    }
    List<NewEvent> events = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      String defaultId = idempotencyKey == null ? null : idempotencyKey + "-" + i;
      events.add(NewEvent.parse(array.getValue(i), "events[" + i + "]", defaultId, names, config.maxEventBytes()));
    }
    return events;
  }

  private void get(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    pool.preparedQuery(EVENT).execute(Tuple.of(id)).compose(rows -> {
      if (rows.size() == 0) {
        throw ApiError.notFound(NOT_FOUND);
      }
      Row row = rows.iterator().next();
      JsonObject envelope = new JsonObject(row.getString("body"));
      JsonObject event = new JsonObject()
        .put("id", row.getString("id"))
        .put("type", row.getString("type"))
        .put("merchant_id", row.getString("merchant_id"))
        .put("occurred_at", Json.timestamp(row.getOffsetDateTime("occurred_at")))
        .put("received_at", Json.timestamp(row.getOffsetDateTime("received_at")))
        .put("livemode", row.getBoolean("livemode"))
        .put("application_ids", row.getJson("application_ids"))
        .put("data", envelope.getJsonObject("data"));
      return pool.preparedQuery(DELIVERIES).execute(Tuple.of(id)).map(deliveries -> {
        JsonArray list = new JsonArray();
        for (Row d : deliveries) {
          list.add(new JsonObject()
            .put("id", d.getUUID("id").toString())
            .put("webhook_id", d.getUUID("subscription_id").toString())
            .put("application_id", d.getUUID("application_id").toString())
            .put("status", d.getString("status"))
            .put("attempts", d.getInteger("attempts"))
            .put("next_attempt_at", Json.timestamp(d.getOffsetDateTime("next_attempt_at")))
            .put("last_status_code", d.getInteger("last_status_code"))
            .put("last_failure_reason", d.getString("last_failure_reason"))
            .put("created_at", Json.timestamp(d.getOffsetDateTime("created_at")))
            .put("updated_at", Json.timestamp(d.getOffsetDateTime("updated_at")))
            .put("completed_at", Json.timestamp(d.getOffsetDateTime("completed_at"))));
        }
        return event.put("deliveries", list);
      });
    }).onSuccess(event -> Responses.data(ctx, 200, event)).onFailure(ctx::fail);
  }
}
