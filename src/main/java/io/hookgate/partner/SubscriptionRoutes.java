package io.hookgate.partner;

import io.hookgate.auth.Partner;
import io.hookgate.catalog.EventAliases;
import io.hookgate.catalog.EventCatalog;
import io.hookgate.catalog.HookgateEvents;
import io.hookgate.config.HookgateConfig;
import io.hookgate.dialect.SignatureScheme;
import io.hookgate.engine.DeliveryStore;
import io.hookgate.engine.SubscriptionHistory;
import io.hookgate.http.ApiError;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.Pagination;
import io.hookgate.http.PathIds;
import io.hookgate.http.Responses;
import io.hookgate.subscription.EndpointPolicy;
import io.hookgate.subscription.EventSelection;
import io.hookgate.subscription.Subscription;
import io.hookgate.subscription.SubscriptionFilter;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.subscription.SubscriptionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/** Partner API: webhook subscriptions ({@code /api/partner/v1/webhooks}). */
final class SubscriptionRoutes {
  static final String NOT_FOUND = "Webhook subscription not found";
  private static final int MAX_DESCRIPTION = 500;
  private static final String PARTNER_DISABLED = "Disabled by the partner";
  private static final long DEFAULT_GRACE_SECONDS = 86_400;
  private static final long MAX_GRACE_SECONDS = 7 * 86_400;
  private static final int MIN_RATE_LIMIT = 1;
  private static final int MAX_RATE_LIMIT = 10_000;

  private final Pool pool;
  private final SubscriptionStore store;
  private final DeliveryStore deliveries;
  private final SubscriptionHistory history;
  private final EventCatalog catalog;
  private final SubscriptionIndex index;
  private final EndpointPolicy endpoints;
  private final HookgateConfig.Api api;
  private final Vertx vertx;
  private final SubscriptionChoices choices;
  private final EventAliases aliases;

  SubscriptionRoutes(Vertx vertx, Pool pool, SubscriptionStore store, DeliveryStore deliveries,
                     SubscriptionHistory history, EventCatalog catalog, SubscriptionIndex index, EndpointPolicy endpoints,
                     HookgateConfig.Api api, SubscriptionChoices choices, EventAliases aliases) {
    this.vertx = vertx;
    this.pool = pool;
    this.store = store;
    this.deliveries = deliveries;
    this.history = history;
    this.catalog = catalog;
    this.index = index;
    this.endpoints = endpoints;
    this.api = api;
    this.choices = choices;
    this.aliases = aliases;
  }

  void mount(Operations ops) {
    ops.on("createWebhook", ctx -> create(ctx, partner(ctx), false))
      .on("listWebhooks", ctx -> list(ctx, partner(ctx)))
      .on("getWebhook", ctx -> get(ctx, partner(ctx)))
      .on("updateWebhook", ctx -> update(ctx, partner(ctx), false))
      .on("deleteWebhook", ctx -> delete(ctx, partner(ctx)))
      .on("rotateWebhookSecret", ctx -> rotate(ctx, partner(ctx)))
      .on("activateWebhook", ctx -> changeStatus(ctx, Subscription.Status.ACTIVE))
      .on("deactivateWebhook", ctx -> changeStatus(ctx, Subscription.Status.DISABLED))
      .on("pauseWebhook", ctx -> changeStatus(ctx, Subscription.Status.PAUSED))
      .on("resumeWebhook", ctx -> changeStatus(ctx, Subscription.Status.ACTIVE))
      .on("listAllWebhooks", this::listAll)
      .on("getAnyWebhook", this::getAny)
      // The platform's own subscriptions to Hookgate's operational events: the same shape, its own application.
      .on("createOperationalWebhook", ctx -> create(ctx, HookgateEvents.PLATFORM_APPLICATION, true))
      .on("listOperationalWebhooks", ctx -> list(ctx, HookgateEvents.PLATFORM_APPLICATION))
      .on("getOperationalWebhook", ctx -> get(ctx, HookgateEvents.PLATFORM_APPLICATION))
      .on("updateOperationalWebhook", ctx -> update(ctx, HookgateEvents.PLATFORM_APPLICATION, true))
      .on("deleteOperationalWebhook", ctx -> delete(ctx, HookgateEvents.PLATFORM_APPLICATION))
      .on("rotateOperationalWebhookSecret", ctx -> rotate(ctx, HookgateEvents.PLATFORM_APPLICATION));
  }

  private static UUID partner(RoutingContext ctx) {
    return Partner.of(ctx).applicationId();
  }

  /** The events a subscription of the platform's may choose: Hookgate's own, by name or group. */
  private static List<String> operationalOnly(List<String> events) {
    for (int i = 0; i < events.size(); i++) {
      String event = events.get(i);
      boolean own = HookgateEvents.isOwn(event)
        || event.endsWith(".*") && HookgateEvents.types().stream().anyMatch(t -> t.startsWith(event.substring(0, event.length() - 1)));
      if (!own) {
        throw ApiError.invalidField("events[" + i + "]", "must be one of Hookgate's operational events "
          + HookgateEvents.types() + " or their group (endpoint.*, delivery.*)");
      }
    }
    return events;
  }

  private void create(RoutingContext ctx, UUID app, boolean operational) {
    JsonObject body = Json.body(ctx);
    String description = description(body);
    Subscription.Status status = status(body);
    SubscriptionFilter filter = SubscriptionFilter.parse(body.getValue("filter"));
    Integer rateLimit = rateLimit(body);
    Subscription.DialectNames requested = choices.requested(body);
    String[] secret = new String[1];
    Future<JsonObject> created = endpoints.check(body.getValue("url"))
      .compose(url -> catalog.names()
        .map(names -> selection(body, names, operational))
        .compose(events -> choices.forNew(pool, app, requested).compose(dialect -> {
          secret[0] = SubscriptionChoices.secret(choices.scheme(dialect.signatureScheme()), body.getValue("secret_key"));
          return store.create(pool, app, new SubscriptionStore.New(url, events, description,
            status == null ? Subscription.Status.ACTIVE : status, secret[0], filter, dialect, null, null, rateLimit));
        })))
      .compose(subscription -> index.refresh(subscription.id()).map(subscription))
      .map(subscription -> subscription.toJson().put("secret_key", secret[0]));
    Responses.reply(ctx, 201, created);
  }

  private List<String> selection(JsonObject body, Set<String> names, boolean operational) {
    List<String> events = EventSelection.parse(body.getValue("events"), names, aliases::type);
    return operational ? operationalOnly(events) : events;
  }

  private void list(RoutingContext ctx, UUID app) {
    Pagination page = Pagination.from(ctx, api);
    store.list(pool, app, page.pageSize(), page.offset()).onSuccess(result -> {
      JsonArray items = new JsonArray();
      result.items().forEach(s -> items.add(s.toJson()));
      Responses.page(ctx, items, page, result.total());
    }).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx, UUID app) {
    Responses.reply(ctx, 200, store.get(pool, id(ctx), app).map(SubscriptionRoutes::found));
  }

  private void update(RoutingContext ctx, UUID app, boolean operational) {
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
    boolean setRateLimit = body.containsKey("rate_limit_per_second");
    Integer rateLimit = rateLimit(body);
    Future<String> url = body.containsKey("url") ? endpoints.check(body.getValue("url")) : Future.succeededFuture(null);
    Future<List<String>> events = body.containsKey("events")
      ? catalog.names().map(names -> selection(body, names, operational))
      : Future.succeededFuture(null);
    Subscription.DialectNames dialect = choices.requested(body);
    Future<JsonObject> updated = Future.all(url, events, secretsSuit(id, app, dialect.signatureScheme()))
      .compose(checked -> apply(id, app, new SubscriptionStore.Changes(url.result(), events.result(), setDescription,
        description, status, reason, filter, dialect, setRateLimit, rateLimit)));
    Responses.reply(ctx, 200, updated);
  }

  /**
   * A subscription moving to another signature scheme keeps its secrets: each must suit the new scheme (a
   * base64 key, its platform's length), or the change is refused and the partner rotates to one that does.
   */
  private Future<Void> secretsSuit(UUID id, UUID app, String schemeName) {
    if (schemeName == null) {
      return Future.succeededFuture();
    }
    SignatureScheme scheme = choices.scheme(schemeName);
    return store.get(pool, id, app).compose(found -> {
      if (found == null) {
        throw ApiError.notFound(NOT_FOUND);
      }
      return store.secretsPass(pool, id, app, secret -> scheme.secretProblem(secret) == null);
    }).map(suits -> {
      if (!suits) {
        throw ApiError.invalidField("signature_scheme", "the subscription's signing secret does not suit scheme "
          + schemeName + "; rotate it (POST /webhooks/{id}/rotate-secret with grace_period_seconds 0) to one that does");
      }
      return null;
    });
  }

  /** activate / deactivate (the POS partners' setActive) and pause / resume. */
  private void changeStatus(RoutingContext ctx, Subscription.Status status) {
    String reason = status == Subscription.Status.DISABLED ? PARTNER_DISABLED : null;
    Responses.reply(ctx, 200, apply(id(ctx), partner(ctx),
      SubscriptionStore.Changes.status(status, reason)));
  }

  /**
   * Writes a change, makes this node's index see it, then (when the subscription is active) releases
   * what was held while it was paused: in that order, so no released delivery is held again.
   */
  private Future<JsonObject> apply(UUID id, UUID app, SubscriptionStore.Changes changes) {
    SubscriptionIndex.Target before = index.get(id);
    return store.update(pool, id, app, changes)
      .compose(subscription -> subscription == null ? Future.succeededFuture(null)
        : index.refresh(id)
          .compose(v -> subscription.active() ? deliveries.releaseHeld(pool, id) : Future.succeededFuture(0))
          .map(subscription))
      .onSuccess(subscription -> {
        if (subscription != null && before != null) {
          statusChanged(id, before.status(), subscription.status());
        }
      })
      .map(SubscriptionRoutes::found);
  }

  /** A partner (or the platform) disabled or re-enabled a subscription: the operational webhooks hear of it. */
  private void statusChanged(UUID id, Subscription.Status before, Subscription.Status now) {
    if (now == Subscription.Status.DISABLED && before != Subscription.Status.DISABLED) {
      HookgateEvents.emit(vertx, HookgateEvents.ENDPOINT_DISABLED, id,
        new JsonObject().put("reason", PARTNER_DISABLED).put("disabled_by", "partner"));
    } else if (now == Subscription.Status.ACTIVE && before == Subscription.Status.DISABLED) {
      HookgateEvents.emit(vertx, HookgateEvents.ENDPOINT_ENABLED, id, new JsonObject());
    }
  }

  /** A new signing secret; the old one keeps verifying for {@code grace_period_seconds} (default 24 h). */
  private void rotate(RoutingContext ctx, UUID app) {
    UUID id = id(ctx);
    JsonObject body = Json.body(ctx);
    Object grace = body.getValue("grace_period_seconds");
    long graceSeconds = DEFAULT_GRACE_SECONDS;
    if (grace != null) {
      if (!(grace instanceof Number n) || n.longValue() != n.doubleValue() || n.longValue() < 0
        || n.longValue() > MAX_GRACE_SECONDS) {
        throw ApiError.invalidField("grace_period_seconds", "must be a whole number from 0 to " + MAX_GRACE_SECONDS);
      }
      graceSeconds = n.longValue();
    }
    long expiresIn = graceSeconds;
    String[] secret = new String[1];
    // The new secret takes the form of the subscription's signature scheme (or must suit it, when brought).
    Future<JsonObject> rotated = store.get(pool, id, app).compose(found -> {
        if (found == null) {
          throw ApiError.notFound(NOT_FOUND);
        }
        secret[0] = SubscriptionChoices.secret(choices.scheme(found.dialect().signatureScheme()),
          body.getValue("secret_key"));
        return store.rotate(pool, id, app, secret[0], expiresIn);
      })
      .compose(done -> {
        if (!done) {
          throw ApiError.notFound(NOT_FOUND);
        }
        return index.refresh(id);
      })
      .map(v -> new JsonObject()
        .put("webhook_id", id.toString())
        .put("secret_key", secret[0])
        .put("previous_secret_expires_at", expiresIn == 0 ? null
          : Json.timestamp(java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(expiresIn))));
    Responses.reply(ctx, 200, rotated);
  }

  private void listAll(RoutingContext ctx) {
    Pagination page = Pagination.from(ctx, api);
    String app = ctx.request().getParam("application_id");
    UUID applicationId;
    try {
      applicationId = app == null ? null : UUID.fromString(app);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField("application_id", "must be a UUID");
    }
    store.list(pool, applicationId, page.pageSize(), page.offset()).onSuccess(result -> {
      JsonArray items = new JsonArray();
      result.items().forEach(s -> items.add(s.toJson().put("application_id", s.applicationId().toString())));
      Responses.page(ctx, items, page, result.total());
    }).onFailure(ctx::fail);
  }

  private void getAny(RoutingContext ctx) {
    Responses.reply(ctx, 200, store.get(pool, id(ctx), null).map(s -> found(s).put("application_id", s.applicationId().toString())));
  }

  private void delete(RoutingContext ctx, UUID app) {
    UUID id = id(ctx);
    pool.withTransaction(conn -> store.delete(conn, id, app)
        .compose(deleted -> deleted ? history.delete(conn, List.of(id)).map(true) : Future.succeededFuture(false)))
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

  /** {@code status} and {@code is_active} (as POS partners know it) both set the status; they must agree when both are sent. */
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

  /**
   * The partner's own cluster-wide delivery rate for this subscription (null: only the endpoint's limit
   * applies), e.g. to receive a backlog held during maintenance at a pace its endpoint can take.
   */
  private static Integer rateLimit(JsonObject body) {
    Object value = body.getValue("rate_limit_per_second");
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < MIN_RATE_LIMIT
      || n.intValue() > MAX_RATE_LIMIT) {
      throw ApiError.invalidField("rate_limit_per_second",
        "must be a whole number from " + MIN_RATE_LIMIT + " to " + MAX_RATE_LIMIT + ", or null for no limit");
    }
    return n.intValue();
  }

}
