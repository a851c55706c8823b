package io.hookgate.partner;

import io.hookgate.auth.Partner;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.Paged;
import io.hookgate.engine.AttemptStore;
import io.hookgate.engine.DeliveryJob;
import io.hookgate.engine.DeliveryStatus;
import io.hookgate.engine.DeliveryStore;
import io.hookgate.engine.EventStore;
import io.hookgate.engine.JobSender;
import io.hookgate.http.ApiError;
import io.hookgate.http.DateParams;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.Pagination;
import io.hookgate.http.PathIds;
import io.hookgate.http.Responses;
import io.hookgate.subscription.Subscription;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.subscription.SubscriptionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Delivery history: list (the filters partners know: webhook, status, event, dates; offset pages or a
 * cursor), one delivery with its attempts, retry now, clear a subscription's history, recover what failed
 * in a window. Partners see their application's deliveries; the Platform API sees all of them (support).
 * A delivery's row, its event's payload and its attempts come from their owners and are put together here.
 */
final class DeliveryRoutes {
  private static final String NOT_FOUND = "Delivery not found";
  private static final String WEBHOOK_NOT_FOUND = "Webhook subscription not found";
  private static final String NOT_ACTIVE = "Webhook subscription is not active";
  private static final String ERASED = "The event's payload was erased at its merchant's request: the delivery cannot be sent again";
  private static final int MAX_RECOVER = 10_000;

  private final Vertx vertx;
  private final Pool pool;
  private final DeliveryStore deliveries;
  private final EventStore events;
  private final AttemptStore attempts;
  private final SubscriptionStore subscriptions;
  private final SubscriptionIndex index;
  private final HookgateConfig config;
  private final String nodeId;
  private final JobSender jobs;

  DeliveryRoutes(Vertx vertx, Pool pool, DeliveryStore deliveries, EventStore events, AttemptStore attempts,
                 SubscriptionStore subscriptions, SubscriptionIndex index, HookgateConfig config, String nodeId,
                 JobSender jobs) {
    this.jobs = jobs;
    this.vertx = vertx;
    this.pool = pool;
    this.deliveries = deliveries;
    this.events = events;
    this.attempts = attempts;
    this.subscriptions = subscriptions;
    this.index = index;
    this.config = config;
    this.nodeId = nodeId;
  }

  void mount(Operations ops) {
    Function<RoutingContext, UUID> partner = ctx -> Partner.of(ctx).applicationId();
    Function<RoutingContext, UUID> platform = ctx -> queryUuid(ctx, "application_id");
    ops.on("listDeliveries", ctx -> list(ctx, partner.apply(ctx)))
      .on("getDelivery", ctx -> get(ctx, partner.apply(ctx)))
      .on("retryDelivery", ctx -> retry(ctx, partner.apply(ctx)))
      .on("clearDeliveries", this::clear)
      .on("recoverWebhook", this::recover)
      .on("listAllDeliveries", ctx -> list(ctx, platform.apply(ctx)))
      .on("getAnyDelivery", ctx -> get(ctx, null))
      .on("retryAnyDelivery", ctx -> retry(ctx, null));
  }

  private void list(RoutingContext ctx, UUID applicationId) {
    DeliveryStore.Filter filter = new DeliveryStore.Filter(applicationId, queryUuid(ctx, "webhook_id"),
      statuses(ctx.request().getParam("status"), false), eventType(ctx.request().getParam("event")),
      DateParams.from("from_date", ctx.request().getParam("from_date")),
      DateParams.until("to_date", ctx.request().getParam("to_date")));
    Pagination page = Pagination.from(ctx, config.api());
    String cursorText = ctx.request().getParam("cursor");
    if (cursorText != null) {
      DeliveryStore.Cursor cursor = cursorText.isEmpty() ? null : parseCursor(cursorText);
      if (!cursorText.isEmpty() && cursor == null) {
        throw ApiError.invalidField("cursor", "is not a cursor this API returned");
      }
      deliveries.after(pool, filter, cursor, page.pageSize()).compose(this::views).onSuccess(items -> {
        JsonObject pagination = new JsonObject().put("page_size", page.pageSize())
          .put("next_cursor", items.size() == page.pageSize() ? cursorOf(items.getJsonObject(items.size() - 1)) : null);
        Responses.send(ctx, 200, new JsonObject().put("data", items).put("pagination", pagination));
      }).onFailure(ctx::fail);
      return;
    }
    deliveries.page(pool, filter, page.pageSize(), page.offset())
      .compose(result -> views(result.items()).map(items -> new Paged<>(items.getList(), result.total())))
      .onSuccess(result -> {
        JsonObject pagination = page.describe(result.total());
        JsonArray items = new JsonArray(result.items());
        if (items.size() == page.pageSize()) {
          pagination.put("next_cursor", cursorOf(items.getJsonObject(items.size() - 1)));
        }
        Responses.send(ctx, 200, new JsonObject().put("data", items).put("pagination", pagination));
      }).onFailure(ctx::fail);
  }

  /** The deliveries as partners see them: each with its event's payload and its latest attempt's answer. */
  private Future<JsonArray> views(List<DeliveryStore.Delivery> rows) {
    Set<String> eventIds = new HashSet<>();
    rows.forEach(d -> eventIds.add(d.eventId()));
    Instant from = rows.stream().map(d -> d.createdAt().toInstant()).min(Instant::compareTo).orElse(Instant.EPOCH);
    Instant to = rows.stream().map(d -> d.createdAt().toInstant()).max(Instant::compareTo).orElse(Instant.EPOCH);
    Future<Map<String, String>> bodies = events.bodies(pool, eventIds, from, to);
    Future<Map<UUID, AttemptStore.Logged>> latest = attempts.latest(pool, rows.stream()
      .map(DeliveryStore.Delivery::id).toList(), from);
    return Future.all(bodies, latest).map(done -> {
      JsonArray items = new JsonArray();
      rows.forEach(d -> items.add(view(d, bodies.result().get(d.eventId()), latest.result().get(d.id()))));
      return items;
    });
  }

  private void get(RoutingContext ctx, UUID applicationId) {
    UUID id = PathIds.uuid(ctx, "id", NOT_FOUND);
    Responses.reply(ctx, 200, deliveries.get(pool, id, applicationId).compose(delivery -> {
      if (delivery == null) {
        throw ApiError.notFound(NOT_FOUND);
      }
      Instant created = delivery.createdAt().toInstant();
      Future<Map<String, String>> body = events.bodies(pool, Set.of(delivery.eventId()), created, created);
      Future<List<AttemptStore.Logged>> all = attempts.ofDelivery(pool, id, created);
      return Future.all(body, all).map(done -> {
        List<AttemptStore.Logged> logged = all.result();
        JsonObject view = view(delivery, body.result().get(delivery.eventId()),
          logged.isEmpty() ? null : logged.get(logged.size() - 1));
        JsonArray history = new JsonArray();
        for (AttemptStore.Logged a : logged) {
          history.add(new JsonObject()
            .put("attempt", a.attempt())
            .put("created_at", Json.timestamp(a.createdAt()))
            .put("request_headers", a.requestHeaders())
            .put("request_query", a.requestQuery())
            .put("request_body", sent(body.result().get(delivery.eventId()), a))
            .put("response", response(a))
            .put("failure_reason", a.failureReason())
            .put("duration_ms", a.durationMs()));
        }
        return view.put("attempt_history", history);
      });
    }));
  }

  /** A new attempt now, for a final delivery or one waiting for its next retry. */
  private void retry(RoutingContext ctx, UUID applicationId) {
    UUID id = PathIds.uuid(ctx, "id", NOT_FOUND);
    Future<JsonObject> retried = deliveries.statusOf(pool, id, applicationId).compose(row -> {
      if (row == null) {
        throw ApiError.notFound(NOT_FOUND);
      }
      SubscriptionIndex.Target target = index.get(row.getUUID("subscription_id"));
      if (target == null || target.status() != Subscription.Status.ACTIVE) {
        throw ApiError.invalid(NOT_ACTIVE);
      }
      Instant createdAt = row.getOffsetDateTime("created_at").toInstant();
      return events.bodies(pool, Set.of(row.getString("event_id")), createdAt, createdAt).compose(bodies -> {
        if (bodies.isEmpty()) {
          throw ApiError.conflict(ERASED);
        }
        return deliveries.retry(pool, id, applicationId, config.delivery().lease().toMillis(), nodeId)
          .map(claimed -> claimed == null ? null : claimed.job(bodies.values().iterator().next()));
      });
    }).map(job -> {
      if (job == null) {
        throw ApiError.conflict("The delivery is already being attempted");
      }
      jobs.send(job);
      return new JsonObject().put("id", id.toString()).put("status", DeliveryStatus.RETRYING.sql())
        .put("attempts", job.attempts());
    });
    Responses.reply(ctx, 202, retried);
  }

  /** {@code DELETE /webhooks/{id}/deliveries?before_date=&status=}: final deliveries only, with their attempts. */
  private void clear(RoutingContext ctx) {
    UUID webhook = PathIds.uuid(ctx, "id", WEBHOOK_NOT_FOUND);
    List<DeliveryStatus> statuses = statuses(ctx.request().getParam("status"), true);
    OffsetDateTime before = DateParams.from("before_date", ctx.request().getParam("before_date"));
    OffsetDateTime until = before == null ? OffsetDateTime.now(ZoneOffset.UTC) : before;
    Future<JsonObject> cleared = owned(ctx, webhook)
      .compose(s -> pool.withTransaction(conn -> deliveries.clear(conn, webhook, statuses, until)
        .compose(ids -> attempts.deleteOfDeliveries(conn, ids).map(ids.size()))))
      .map(n -> new JsonObject().put("deleted_count", n));
    Responses.reply(ctx, 200, cleared);
  }

  /** Re-queues the failed deliveries of a window, at most {@value #MAX_RECOVER} per call; repeating it is harmless. */
  private void recover(RoutingContext ctx) {
    UUID webhook = PathIds.uuid(ctx, "id", WEBHOOK_NOT_FOUND);
    JsonObject body = Json.body(ctx);
    OffsetDateTime since = DateParams.from("since", body.getValue("since") instanceof String s ? s : null);
    if (since == null) {
      throw ApiError.invalidField("since", "is required: a date (YYYY-MM-DD) or a timestamp with offset");
    }
    String untilText = body.getValue("until") instanceof String s ? s : null;
    OffsetDateTime until = untilText == null ? OffsetDateTime.now(ZoneOffset.UTC) : DateParams.until("until", untilText);
    if (!until.isAfter(since)) {
      throw ApiError.invalidField("until", "must be after since");
    }
    Future<JsonObject> recovered = owned(ctx, webhook).compose(subscription -> {
      if (!subscription.active()) {
        throw ApiError.invalid(NOT_ACTIVE);
      }
      return deliveries.recover(pool, webhook, since, until, MAX_RECOVER);
    }).map(n -> new JsonObject().put("webhook_id", webhook.toString()).put("recovered_count", n)
      .put("has_more", n == MAX_RECOVER));
    Responses.reply(ctx, 202, recovered);
  }

  private Future<Subscription> owned(RoutingContext ctx, UUID webhook) {
    return subscriptions.get(pool, webhook, Partner.of(ctx).applicationId()).map(s -> {
      if (s == null) {
        throw ApiError.notFound(WEBHOOK_NOT_FOUND);
      }
      return s;
    });
  }

  /**
   * A delivery as partners see it (the WebhookDelivery they know), with its event id and attempt timing; its
   * payload is the body its latest attempt sent (in the subscription's dialect), or the event's envelope.
   */
  static JsonObject view(DeliveryStore.Delivery d, String body, AttemptStore.Logged latest) {
    boolean waiting = d.status() == DeliveryStatus.RETRYING || d.status() == DeliveryStatus.PENDING;
    return new JsonObject()
      .put("id", d.id().toString())
      .put("webhook_id", d.subscriptionId().toString())
      .put("application_id", d.applicationId().toString())
      .put("event", d.eventType())
      .put("event_id", d.eventId())
      .put("payload", latest == null ? json(body) : sent(body, latest))
      .put("status", d.status().sql())
      .put("is_test", d.test())
      .put("attempts", d.attempts())
      .put("response", latest == null ? null : response(latest))
      .put("failure_reason", d.lastFailureReason())
      .put("duration_ms", latest == null ? null : latest.durationMs())
      .put("next_attempt_at", waiting ? Json.timestamp(d.nextAttemptAt()) : null)
      .put("created_at", Json.timestamp(d.createdAt()))
      .put("updated_at", Json.timestamp(d.updatedAt()))
      .put("completed_at", Json.timestamp(d.completedAt()));
  }

  /** What an attempt sent: the body its payload format rendered, or the event's stored envelope. */
  private static Object sent(String envelope, AttemptStore.Logged attempt) {
    return json(attempt.requestBody() != null ? attempt.requestBody() : envelope);
  }

  /** A body as JSON: an object, or whatever else a template made of it (the data of an event, a list). */
  private static Object json(String body) {
    return body == null ? null : io.vertx.core.json.Json.decodeValue(body);
  }

  private static JsonObject response(AttemptStore.Logged a) {
    if (a.responseStatus() == null) {
      return null;
    }
    return new JsonObject().put("status_code", a.responseStatus()).put("headers", a.responseHeaders())
      .put("body", a.responseBody());
  }

  /** The cursor of the last row of a page. */
  private static String cursorOf(JsonObject last) {
    String raw = last.getString("created_at") + "|" + last.getString("id");
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** Null when the text is not a cursor this API issued. */
  private static DeliveryStore.Cursor parseCursor(String text) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
      int bar = raw.indexOf('|');
      return new DeliveryStore.Cursor(OffsetDateTime.parse(raw.substring(0, bar)), UUID.fromString(raw.substring(bar + 1)));
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * {@code status} filter: success, failed, or pending (not final yet: pending, retrying, held), or
   * exactly retrying / held. For clearing, only final statuses may be named.
   */
  private static List<DeliveryStatus> statuses(String text, boolean finalOnly) {
    if (text == null) {
      return finalOnly ? List.of(DeliveryStatus.SUCCESS, DeliveryStatus.FAILED) : null;
    }
    List<DeliveryStatus> statuses = switch (text) {
      case "success", "failed" -> List.of(DeliveryStatus.of(text));
      case "pending" -> finalOnly ? null : List.of(DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.HELD);
      case "retrying", "held" -> finalOnly ? null : List.of(DeliveryStatus.of(text));
      default -> null;
    };
    if (statuses == null) {
      throw ApiError.invalidField("status", finalOnly ? "must be success or failed"
        : "must be one of success, failed, pending, retrying, held");
    }
    return statuses;
  }

  private static String eventType(String text) {
    if (text != null && (text.isEmpty() || text.length() > 100)) {
      throw ApiError.invalidField("event", "must be an event type");
    }
    return text;
  }

  private static UUID queryUuid(RoutingContext ctx, String name) {
    String text = ctx.request().getParam(name);
    if (text == null) {
      return null;
    }
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField(name, "must be a UUID");
    }
  }
}
