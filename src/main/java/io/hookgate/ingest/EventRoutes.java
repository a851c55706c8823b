package io.hookgate.ingest;

import io.hookgate.catalog.EventCatalog;
import io.hookgate.config.HookgateConfig;
import io.hookgate.engine.DeliveryStatus;
import io.hookgate.engine.DeliveryStore;
import io.hookgate.engine.EventStore;
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

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Platform API: event ingest ({@code POST /api/v1/events}, one event or {@code {"events": [...]}}) and
 * event lookup with its deliveries. Ingest answers 202 only after the event and its deliveries are
 * committed. The body is validated here rather than by the contract validator: this is the hot path,
 * and the rules (catalog membership, per-event size) are not expressible in the schema anyway.
 */
public final class EventRoutes {
  private static final String NOT_FOUND = "Event not found";
  private final EventCatalog catalog;
  private final SubscriptionIndex index;
  private final IngestWriter writer;
  private final Pool pool;
  private final EventStore events;
  private final DeliveryStore deliveries;
  private final HookgateConfig.Ingest config;

  public EventRoutes(EventCatalog catalog, SubscriptionIndex index, IngestWriter writer, Pool pool, EventStore events,
                     DeliveryStore deliveries, HookgateConfig.Ingest config) {
    this.catalog = catalog;
    this.index = index;
    this.writer = writer;
    this.pool = pool;
    this.events = events;
    this.deliveries = deliveries;
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

  /**
   * The event with every delivery: those with a row as it says, and those sent straight from ingest whose
   * first attempt is still under way (only their place in the fan-out exists yet) as pending, with no attempt.
   */
  private void get(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    events.get(pool, id).compose(stored -> {
      if (stored == null) {
        throw ApiError.notFound(NOT_FOUND);
      }
      JsonObject event = new JsonObject()
        .put("id", stored.id())
        .put("type", stored.type())
        .put("merchant_id", stored.merchantId())
        .put("occurred_at", Json.timestamp(stored.occurredAt()))
        .put("received_at", Json.timestamp(stored.receivedAt()))
        .put("livemode", stored.livemode())
        .put("application_ids", stored.applicationIds())
        .put("data", stored.body() == null ? null : new JsonObject(stored.body()).getJsonObject("data"));
      if (stored.erasedAt() != null) {
        event.put("erased_at", Json.timestamp(stored.erasedAt()));
      }
      return deliveries.ofEvent(pool, id, stored.receivedAt()).map(rows -> event.put("deliveries", deliveries(stored, rows)));
    }).onSuccess(event -> Responses.data(ctx, 200, event)).onFailure(ctx::fail);
  }

  private JsonArray deliveries(EventStore.Stored event, List<DeliveryStore.Delivery> rows) {
    record Listed(OffsetDateTime createdAt, UUID id, JsonObject json) {
    }
    List<Listed> listed = new ArrayList<>();
    Set<UUID> withRow = new HashSet<>();
    for (DeliveryStore.Delivery d : rows) {
      withRow.add(d.id());
      listed.add(new Listed(d.createdAt(), d.id(), new JsonObject()
        .put("id", d.id().toString())
        .put("webhook_id", d.subscriptionId().toString())
        .put("application_id", d.applicationId().toString())
        .put("status", d.status().sql())
        .put("attempts", d.attempts())
        .put("next_attempt_at", Json.timestamp(d.nextAttemptAt()))
        .put("last_status_code", d.lastStatusCode())
        .put("last_failure_reason", d.lastFailureReason())
        .put("created_at", Json.timestamp(d.createdAt()))
        .put("updated_at", Json.timestamp(d.updatedAt()))
        .put("completed_at", Json.timestamp(d.completedAt()))));
    }
    for (EventStore.Fanned f : event.fanout()) {
      SubscriptionIndex.Target target = index.get(f.subscriptionId());
      // A deleted subscription took its deliveries with it.
      if (withRow.contains(f.deliveryId()) || target == null) {
        continue;
      }
      String received = Json.timestamp(event.receivedAt());
      listed.add(new Listed(event.receivedAt(), f.deliveryId(), new JsonObject()
        .put("id", f.deliveryId().toString())
        .put("webhook_id", f.subscriptionId().toString())
        .put("application_id", target.applicationId().toString())
        .put("status", DeliveryStatus.PENDING.sql())
        .put("attempts", 0)
        .put("next_attempt_at", received)
        .put("last_status_code", null)
        .put("last_failure_reason", null)
        .put("created_at", received)
        .put("updated_at", received)
        .put("completed_at", null)));
    }
    listed.sort(Comparator.comparing(Listed::createdAt).thenComparing(Listed::id));
    JsonArray list = new JsonArray();
    listed.forEach(l -> list.add(l.json()));
    return list;
  }
}
