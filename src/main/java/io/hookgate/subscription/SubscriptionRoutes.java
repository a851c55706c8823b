package io.hookgate.subscription;

import io.hookgate.auth.Partner;
import io.hookgate.config.HookgateConfig;
import io.hookgate.event.EventCatalog;
import io.hookgate.http.ApiError;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.Pagination;
import io.hookgate.http.PathIds;
import io.hookgate.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** Partner API: webhook subscriptions ({@code /api/partner/v1/webhooks}). */
public final class SubscriptionRoutes {
  static final String NOT_FOUND = "Webhook subscription not found";
  private static final int MAX_DESCRIPTION = 500;
  private static final String PARTNER_DISABLED = "Disabled by the partner";

  private final SubscriptionStore store;
  private final EventCatalog catalog;
  private final SubscriptionIndex index;
  private final EndpointPolicy endpoints;
  private final HookgateConfig.Api api;

  public SubscriptionRoutes(SubscriptionStore store, EventCatalog catalog, SubscriptionIndex index,
                            EndpointPolicy endpoints, HookgateConfig.Api api) {
    this.store = store;
    this.catalog = catalog;
    this.index = index;
    this.endpoints = endpoints;
    this.api = api;
  }

  public void mount(Operations ops, Handler<RoutingContext> read, Handler<RoutingContext> write) {
    ops.on("createWebhook", write, this::create)
      .on("listWebhooks", read, this::list)
      .on("getWebhook", read, this::get)
      .on("updateWebhook", write, this::update)
      .on("deleteWebhook", write, this::delete);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Json.body(ctx);
    String description = description(body);
    Subscription.Status status = status(body);
    String secret = ownSecret(body);
    SubscriptionFilter filter = SubscriptionFilter.parse(body.getValue("filter"));
    UUID app = Partner.of(ctx).applicationId();
    Future<JsonObject> created = endpoints.check(body.getValue("url"))
      .compose(url -> catalog.names()
        .map(names -> EventSelection.parse(body.getValue("events"), names))
        .compose(events -> store.create(app, url, events, description,
          status == null ? Subscription.Status.ACTIVE : status, secret, filter)))
      .compose(subscription -> index.refresh(subscription.id()).map(subscription))
      .map(subscription -> subscription.toJson().put("secret_key", secret));
    Responses.reply(ctx, 201, created);
  }

  private void list(RoutingContext ctx) {
    Pagination page = Pagination.from(ctx, api);
    store.list(Partner.of(ctx).applicationId(), page.pageSize(), page.offset()).onSuccess(result -> {
      JsonArray items = new JsonArray();
      result.items().forEach(s -> items.add(s.toJson()));
      Responses.page(ctx, items, page, result.total());
    }).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    Responses.reply(ctx, 200, store.get(id(ctx), Partner.of(ctx).applicationId()).map(SubscriptionRoutes::found));
  }

  private void update(RoutingContext ctx) {
    UUID id = id(ctx);
    JsonObject body = Json.body(ctx);
    if (body.containsKey("secret_key")) {
      throw ApiError.invalidField("secret_key", "cannot be changed here; use POST /webhooks/{id}/rotate-secret");
    }
    boolean setDescription = body.containsKey("description");
    String description = description(body);
    Subscription.Status status = status(body);
    String reason = status == Subscription.Status.DISABLED ? PARTNER_DISABLED : null;
    SubscriptionFilter filter = body.containsKey("filter") ? SubscriptionFilter.parse(body.getValue("filter")) : null;
    Future<String> url = body.containsKey("url") ? endpoints.check(body.getValue("url")) : Future.succeededFuture(null);
    Future<List<String>> events = body.containsKey("events")
      ? catalog.names().map(names -> EventSelection.parse(body.getValue("events"), names))
      : Future.succeededFuture(null);
    UUID app = Partner.of(ctx).applicationId();
    Future<JsonObject> updated = Future.all(url, events)
      .compose(checked -> store.update(id, app,
        new SubscriptionStore.Changes(url.result(), events.result(), setDescription, description, status, reason, filter)))
      .compose(subscription -> subscription == null ? Future.succeededFuture(null)
        // The index learns the new state before held deliveries are released, so none is held again.
        : index.refresh(id)
          .compose(v -> subscription.active() ? store.releaseHeld(id) : Future.succeededFuture(0))
          .map(subscription))
      .map(SubscriptionRoutes::found);
    Responses.reply(ctx, 200, updated);
  }

  private void delete(RoutingContext ctx) {
    UUID id = id(ctx);
    store.delete(id, Partner.of(ctx).applicationId())
      .compose(deleted -> deleted ? index.refresh(id).map(true) : Future.succeededFuture(false))
      .onSuccess(deleted -> {
      if (deleted) {
        Responses.noContent(ctx);
      } else {
        ctx.fail(ApiError.notFound(NOT_FOUND));
      }
    }).onFailure(ctx::fail);
  }

  static UUID id(RoutingContext ctx) {
    return PathIds.uuid(ctx, "id", NOT_FOUND);
  }

  static JsonObject found(Subscription subscription) {
    if (subscription == null) {
      throw ApiError.notFound(NOT_FOUND);
    }
    return subscription.toJson();
  }

  private static String description(JsonObject body) {
    return Json.optionalText(body, "description", MAX_DESCRIPTION);
  }


  /** {@code status} and seed 002's {@code is_active} both set the status; they must agree when both are sent. */
  private static Subscription.Status status(JsonObject body) {
    Subscription.Status status = null;
    if (body.containsKey("status")) {
      Object value = body.getValue("status");
      try {
        status = Subscription.Status.valueOf(String.valueOf(value).toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidField("status", "must be one of ACTIVE, PAUSED, DISABLED");
      }
    }
    if (!body.containsKey("is_active")) {
      return status;
    }
    if (!(body.getValue("is_active") instanceof Boolean active)) {
      throw ApiError.invalidField("is_active", "must be a boolean");
    }
    if (status != null && active != (status == Subscription.Status.ACTIVE)) {
      throw ApiError.invalidField("is_active", "contradicts status " + status);
    }
    return active ? Subscription.Status.ACTIVE : Subscription.Status.DISABLED;
  }

  private static String ownSecret(JsonObject body) {
    Object value = body.getValue("secret_key");
    if (value == null) {
      return SigningSecrets.generate();
    }
    String problem = value instanceof String s ? SigningSecrets.problem(s) : "must be a string";
    if (problem != null) {
      throw ApiError.invalidField("secret_key", problem);
    }
    return (String) value;
  }
}
