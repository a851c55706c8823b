package io.hookgate.partner;

import io.hookgate.engine.DeliveryJob;
import io.hookgate.auth.Partner;
import io.hookgate.config.HookgateConfig;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Delivery history: list (filters of seed 002, offset pages or a cursor), one delivery with its
 * attempts, retry now, clear a subscription's history, recover what failed in a window. Partners see
 * their application's deliveries; the Platform API sees all of them (support).
 */
public final class DeliveryRoutes {
  private static final String NOT_FOUND = "Delivery not found";
  private static final String WEBHOOK_NOT_FOUND = "Webhook subscription not found";
  private static final String NOT_ACTIVE = "Webhook subscription is not active";
  private static final int MAX_RECOVER = 10_000;

  private final DeliveryHistory history;
  private final SubscriptionStore subscriptions;
  private final SubscriptionIndex index;
  private final HookgateConfig config;
  private final String nodeId;
  private final io.vertx.core.Vertx vertx;

  public DeliveryRoutes(io.vertx.core.Vertx vertx, DeliveryHistory history, SubscriptionStore subscriptions,
                        SubscriptionIndex index, HookgateConfig config, String nodeId) {
    this.vertx = vertx;
    this.history = history;
    this.subscriptions = subscriptions;
    this.index = index;
    this.config = config;
    this.nodeId = nodeId;
  }

  public void mount(Operations ops) {
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
    DeliveryHistory.Filter filter = new DeliveryHistory.Filter(applicationId, queryUuid(ctx, "webhook_id"),
      statuses(ctx.request().getParam("status"), false), eventType(ctx.request().getParam("event")),
      DateParams.from("from_date", ctx.request().getParam("from_date")),
      DateParams.until("to_date", ctx.request().getParam("to_date")));
    Pagination page = Pagination.from(ctx, config.api());
    String cursorText = ctx.request().getParam("cursor");
    if (cursorText != null) {
      DeliveryHistory.Cursor cursor = cursorText.isEmpty() ? null : DeliveryHistory.parseCursor(cursorText);
      if (!cursorText.isEmpty() && cursor == null) {
        throw ApiError.invalidField("cursor", "is not a cursor this API returned");
      }
      history.after(filter, cursor, page.pageSize()).onSuccess(items -> {
        JsonObject pagination = new JsonObject().put("page_size", page.pageSize())
          .put("next_cursor", items.size() == page.pageSize() ? DeliveryHistory.cursorOf(items.get(items.size() - 1)) : null);
        Responses.send(ctx, 200, new JsonObject().put("data", new JsonArray(List.copyOf(items))).put("pagination", pagination));
      }).onFailure(ctx::fail);
      return;
    }
    history.page(filter, page.pageSize(), page.offset()).onSuccess(result -> {
      JsonObject pagination = page.describe(result.total());
      if (result.items().size() == page.pageSize()) {
        pagination.put("next_cursor", DeliveryHistory.cursorOf(result.items().get(result.items().size() - 1)));
      }
      Responses.send(ctx, 200, new JsonObject().put("data", new JsonArray(List.copyOf(result.items()))).put("pagination", pagination));
    }).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx, UUID applicationId) {
    UUID id = PathIds.uuid(ctx, "id", NOT_FOUND);
    Responses.reply(ctx, 200, history.get(id, applicationId).map(found -> {
      if (found == null) {
        throw ApiError.notFound(NOT_FOUND);
      }
      return found;
    }));
  }

  /** A new attempt now, for a final delivery or one waiting for its next retry. */
  private void retry(RoutingContext ctx, UUID applicationId) {
    UUID id = PathIds.uuid(ctx, "id", NOT_FOUND);
    Future<JsonObject> retried = history.statusOf(id, applicationId).compose(row -> {
      if (row == null) {
        throw ApiError.notFound(NOT_FOUND);
      }
      SubscriptionIndex.Target target = index.get(row.getUUID("subscription_id"));
      if (target == null || target.status() != Subscription.Status.ACTIVE) {
        throw ApiError.invalid(NOT_ACTIVE);
      }
      return history.retry(id, applicationId, config.delivery().lease().toMillis(), nodeId);
    }).map(job -> {
      if (job == null) {
        throw ApiError.conflict("The delivery is already being attempted");
      }
      vertx.eventBus().send(DeliveryJob.ADDRESS, job);
      return new JsonObject().put("id", id.toString()).put("status", "retrying").put("attempts", job.attempts());
    });
    Responses.reply(ctx, 202, retried);
  }

  /** {@code DELETE /webhooks/{id}/deliveries?before_date=&status=}: final deliveries only. */
  private void clear(RoutingContext ctx) {
    UUID webhook = PathIds.uuid(ctx, "id", WEBHOOK_NOT_FOUND);
    List<String> statuses = statuses(ctx.request().getParam("status"), true);
    OffsetDateTime before = DateParams.from("before_date", ctx.request().getParam("before_date"));
    Future<JsonObject> cleared = owned(ctx, webhook)
      .compose(s -> history.clear(webhook, statuses, before == null ? OffsetDateTime.now(ZoneOffset.UTC) : before))
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
      return history.recover(webhook, since, until, MAX_RECOVER);
    }).map(n -> new JsonObject().put("webhook_id", webhook.toString()).put("recovered_count", n)
      .put("has_more", n == MAX_RECOVER));
    Responses.reply(ctx, 202, recovered);
  }

  private Future<Subscription> owned(RoutingContext ctx, UUID webhook) {
    return subscriptions.get(webhook, Partner.of(ctx).applicationId()).map(s -> {
      if (s == null) {
        throw ApiError.notFound(WEBHOOK_NOT_FOUND);
      }
      return s;
    });
  }

  /**
   * {@code status} filter: success, failed, or pending (not final yet: pending, retrying, held), or
   * exactly retrying / held. For clearing, only final statuses may be named.
   */
  private static List<String> statuses(String text, boolean finalOnly) {
    if (text == null) {
      return finalOnly ? List.of("success", "failed") : null;
    }
    List<String> statuses = switch (text) {
      case "success", "failed" -> List.of(text);
      case "pending" -> finalOnly ? null : List.of("pending", "retrying", "held");
      case "retrying", "held" -> finalOnly ? null : List.of(text);
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
