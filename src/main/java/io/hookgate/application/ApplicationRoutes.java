package io.hookgate.application;

import io.hookgate.auth.Credentials;
import io.hookgate.auth.Scopes;
import io.hookgate.catalog.HookgateEvents;
import io.hookgate.config.HookgateConfig;
import io.hookgate.dialect.DialectFields;
import io.hookgate.dialect.Dialects;
import io.hookgate.engine.SubscriptionHistory;
import io.hookgate.http.ApiError;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.Pagination;
import io.hookgate.http.PathIds;
import io.hookgate.http.Responses;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.subscription.SubscriptionStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

/** Platform API: partner applications ({@code /api/v1/applications}). */
public final class ApplicationRoutes {
  private static final String NOT_FOUND = "Application not found";

  private final Pool pool;
  private final ApplicationStore store;
  private final SubscriptionStore subscriptions;
  private final SubscriptionHistory history;
  private final SubscriptionIndex index;
  private final HookgateConfig.Api api;
  private final Dialects dialects;

  public ApplicationRoutes(Pool pool, ApplicationStore store, SubscriptionStore subscriptions,
                           SubscriptionHistory history, SubscriptionIndex index, HookgateConfig.Api api,
                           Dialects dialects) {
    this.pool = pool;
    this.store = store;
    this.subscriptions = subscriptions;
    this.history = history;
    this.index = index;
    this.api = api;
    this.dialects = dialects;
  }

  public void mount(Operations ops) {
    ops.on("createApplication", this::create)
      .on("listApplications", this::list)
      .on("getApplication", this::get)
      .on("updateApplication", this::update)
      .on("deleteApplication", this::delete)
      .on("rotateApplicationSecret", this::rotateSecret);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Json.body(ctx);
    String name = name(body);
    List<String> scopes = body.containsKey("scopes") ? scopes(body.getJsonArray("scopes")) : Scopes.ALL;
    ApplicationStore.DefaultDialect dialect = new ApplicationStore.DefaultDialect(
      DialectFields.format(dialects, body.getValue(DialectFields.FORMAT)),
      DialectFields.scheme(dialects, body.getValue(DialectFields.SCHEME)));
    String clientSecret = Credentials.random("hgs_");
    store.create(pool, name, scopes, Credentials.random("hga_").substring(0, 28), clientSecret, dialect)
      .map(app -> app.toJson().put("client_secret", clientSecret))
      .onSuccess(json -> Responses.data(ctx, 201, json))
      .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    Pagination page = Pagination.from(ctx, api);
    store.list(pool, page.pageSize(), page.offset()).onSuccess(result -> {
      JsonArray items = new JsonArray();
      result.items().forEach(app -> items.add(app.toJson()));
      Responses.page(ctx, items, page, result.total());
    }).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    Responses.reply(ctx, 200, store.get(pool, id(ctx)).map(ApplicationRoutes::found));
  }

  private void update(RoutingContext ctx) {
    JsonObject body = Json.body(ctx);
    String name = body.containsKey("name") ? name(body) : null;
    List<String> scopes = body.containsKey("scopes") ? scopes(body.getJsonArray("scopes")) : null;
    // A null name clears the application's default: its new subscriptions then get the configured one.
    ApplicationStore.DialectChange dialect = new ApplicationStore.DialectChange(
      body.containsKey(DialectFields.FORMAT), DialectFields.format(dialects, body.getValue(DialectFields.FORMAT)),
      body.containsKey(DialectFields.SCHEME), DialectFields.scheme(dialects, body.getValue(DialectFields.SCHEME)));
    Responses.reply(ctx, 200, store.update(pool, id(ctx), name, scopes, dialect).map(ApplicationRoutes::found));
  }

  private void rotateSecret(RoutingContext ctx) {
    String clientSecret = Credentials.random("hgs_");
    Responses.reply(ctx, 200, store.rotateSecret(pool, id(ctx), clientSecret)
      .map(ApplicationRoutes::found)
      .map(json -> json.put("client_secret", clientSecret)));
  }

  /** The application, its subscriptions and tokens, and everything the engine keeps of those subscriptions. */
  private void delete(RoutingContext ctx) {
    UUID id = id(ctx);
    if (id.equals(HookgateEvents.PLATFORM_APPLICATION)) {
      throw ApiError.conflict("This application holds the platform's operational webhooks; delete those through"
        + " /api/v1/operational-webhooks instead");
    }
    pool.withTransaction(conn -> subscriptions.idsOfApplication(conn, id).compose(ids -> store.delete(conn, id)
        .compose(deleted -> deleted ? history.delete(conn, ids).map(ids) : Future.succeededFuture((List<UUID>) null))))
      .onSuccess(deleted -> {
        if (deleted != null) {
          deleted.forEach(index::refresh);
          Responses.noContent(ctx);
        } else {
          ctx.fail(ApiError.notFound(NOT_FOUND));
        }
      }).onFailure(ctx::fail);
  }

  private static JsonObject found(Application app) {
    if (app == null) {
      throw ApiError.notFound(NOT_FOUND);
    }
    return app.toJson();
  }

  private static UUID id(RoutingContext ctx) {
    return PathIds.uuid(ctx, "id", NOT_FOUND);
  }

  private static String name(JsonObject body) {
    String name = body.getValue("name") instanceof String s ? s.trim() : null;
    if (name == null || name.isEmpty() || name.length() > 200) {
      throw ApiError.invalidField("name", "must be a non-empty string of at most 200 characters");
    }
    return name;
  }

  private static List<String> scopes(JsonArray array) {
    LinkedHashSet<String> scopes = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      Object scope = array.getValue(i);
      if (!(scope instanceof String s) || !Scopes.known(s)) {
        throw ApiError.invalidField("scopes[" + i + "]", "must be one of " + String.join(", ", Scopes.ALL));
      }
      scopes.add(s);
    }
    return List.copyOf(scopes);
  }
}
