package io.hookgate.application;

import io.hookgate.auth.Credentials;
import io.hookgate.auth.Scopes;
import io.hookgate.config.HookgateConfig;
import io.hookgate.http.ApiError;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.Pagination;
import io.hookgate.http.PathIds;
import io.hookgate.http.Responses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

/** Platform API: partner applications ({@code /api/v1/applications}). */
public final class ApplicationRoutes {
  private static final String NOT_FOUND = "Application not found";

  private final ApplicationStore store;
  private final SubscriptionIndex index;
  private final HookgateConfig.Api api;

  public ApplicationRoutes(ApplicationStore store, SubscriptionIndex index, HookgateConfig.Api api) {
    this.store = store;
    this.index = index;
    this.api = api;
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
    String clientSecret = Credentials.random("hgs_");
    store.create(name, scopes, Credentials.random("hga_").substring(0, 28), clientSecret)
      .map(app -> app.toJson().put("client_secret", clientSecret))
      .onSuccess(json -> Responses.data(ctx, 201, json))
      .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    Pagination page = Pagination.from(ctx, api);
    store.list(page.pageSize(), page.offset()).onSuccess(result -> {
      JsonArray items = new JsonArray();
      result.items().forEach(app -> items.add(app.toJson()));
      Responses.page(ctx, items, page, result.total());
    }).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    Responses.reply(ctx, 200, store.get(id(ctx)).map(ApplicationRoutes::found));
  }

  private void update(RoutingContext ctx) {
    JsonObject body = Json.body(ctx);
    String name = body.containsKey("name") ? name(body) : null;
    List<String> scopes = body.containsKey("scopes") ? scopes(body.getJsonArray("scopes")) : null;
    Responses.reply(ctx, 200, store.update(id(ctx), name, scopes).map(ApplicationRoutes::found));
  }

  private void rotateSecret(RoutingContext ctx) {
    String clientSecret = Credentials.random("hgs_");
    Responses.reply(ctx, 200, store.rotateSecret(id(ctx), clientSecret)
      .map(ApplicationRoutes::found)
      .map(json -> json.put("client_secret", clientSecret)));
  }

  private void delete(RoutingContext ctx) {
    store.delete(id(ctx)).onSuccess(subscriptions -> {
      if (subscriptions != null) {
        subscriptions.forEach(index::refresh);
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
