package io.hookgate.catalog;

import io.hookgate.http.ApiError;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.util.List;

/**
 * The event-type catalog: managed on the Platform API ({@code /api/v1/event-types}), readable by
 * partners ({@code /api/partner/v1/event-types}) so they know what they can subscribe to.
 */
public final class EventTypeRoutes {
  private static final String NOT_FOUND = "Event type not found";
  private static final int MAX_DESCRIPTION = 1000;

  private final Pool pool;
  private final EventTypeStore store;
  private final EventCatalog catalog;
  private final EventAliases aliases;

  public EventTypeRoutes(Pool pool, EventTypeStore store, EventCatalog catalog, EventAliases aliases) {
    this.pool = pool;
    this.store = store;
    this.catalog = catalog;
    this.aliases = aliases;
  }

  public void mount(Operations ops) {
    ops.on("listEventTypes", this::list)
      .on("createEventType", this::create)
      .on("getEventType", this::get)
      .on("updateEventType", this::update)
      .on("deprecateEventType", this::deprecate)
      .on("listPartnerEventTypes", this::listForPartners);
  }

  private void list(RoutingContext ctx) {
    boolean includeDeprecated = "true".equalsIgnoreCase(ctx.request().getParam("include_deprecated"));
    Responses.reply(ctx, 200, store.list(pool, includeDeprecated, ctx.request().getParam("group")).map(this::json));
  }

  private void listForPartners(RoutingContext ctx) {
    Responses.reply(ctx, 200, store.list(pool, false, ctx.request().getParam("group")).map(this::json));
  }

  private void get(RoutingContext ctx) {
    Responses.reply(ctx, 200, store.get(pool, ctx.pathParam("name")).map(this::found));
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Json.body(ctx);
    String name = body.getValue("name") instanceof String s ? s : null;
    if (!EventType.validName(name)) {
      throw ApiError.invalidField("name", "must be lower-case dot-separated words such as order.created (at most "
        + EventType.MAX_NAME_LENGTH + " characters)");
    }
    if (!aliases.type(name).equals(name)) {
      throw ApiError.conflict(name + " is an alias of " + aliases.type(name) + " (conf/event-types.yaml)");
    }
    store.create(pool, name, description(body))
      .andThen(done -> catalog.invalidate())
      .onSuccess(type -> Responses.data(ctx, 201, view(type)))
      .onFailure(e -> ctx.fail(e instanceof EventTypeStore.Duplicate
        ? ApiError.conflict("Event type " + name + " already exists") : e));
  }

  private void update(RoutingContext ctx) {
    JsonObject body = Json.body(ctx);
    Boolean deprecated = null;
    if (body.containsKey("deprecated")) {
      if (!(body.getValue("deprecated") instanceof Boolean b)) {
        throw ApiError.invalidField("deprecated", "must be a boolean");
      }
      deprecated = b;
    }
    updateTo(ctx, description(body), deprecated);
  }

  private void deprecate(RoutingContext ctx) {
    updateTo(ctx, null, true);
  }

  private void updateTo(RoutingContext ctx, String description, Boolean deprecated) {
    Future<EventType> updated = store.update(pool, ctx.pathParam("name"), description, deprecated)
      .andThen(done -> catalog.invalidate());
    Responses.reply(ctx, 200, updated.map(this::found));
  }

  private static String description(JsonObject body) {
    return Json.optionalText(body, "description", MAX_DESCRIPTION);
  }

  private JsonObject found(EventType type) {
    if (type == null) {
      throw ApiError.notFound(NOT_FOUND);
    }
    return view(type);
  }

  private JsonArray json(List<EventType> types) {
    JsonArray array = new JsonArray();
    types.forEach(t -> array.add(view(t)));
    return array;
  }

  /** A type with its names in the platforms' namings ({@code {"shopline": "order/create"}}). */
  private JsonObject view(EventType type) {
    return type.toJson().put("aliases", new JsonObject(new java.util.LinkedHashMap<>(aliases.of(type.name()))));
  }
}
