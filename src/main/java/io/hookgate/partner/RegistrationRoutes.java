package io.hookgate.partner;

import io.hookgate.auth.Partner;
import io.hookgate.catalog.EventCatalog;
import io.hookgate.dialect.Dialects;
import io.hookgate.dialect.Registration;
import io.hookgate.dialect.SignatureScheme;
import io.hookgate.http.ApiError;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.Responses;
import io.hookgate.subscription.EndpointPolicy;
import io.hookgate.subscription.EventSelection;
import io.hookgate.subscription.Subscription;
import io.hookgate.subscription.SubscriptionFilter;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.subscription.SubscriptionStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * {@code POST /register-webhooks}: registration by category, in the shape Tiki's partners already send
 * ({@code sync_webhook} with a URL and a secret per category, {@code sync_inventory_location},
 * {@code external_partner_id}). Each category named becomes one subscription of the calling application, in
 * the registration's dialect, to the category's event types, filtered to the inventory locations and to the
 * shop: created, or updated with the new URL, locations and secret (the old secret ends at once, as it does
 * when the partner registers again on its platform). All of them in one transaction; any bad field is a
 * 400 that changes nothing. Categories not named are left as they are.
 */
final class RegistrationRoutes {
  private static final int MAX_LOCATIONS = 1000;
  /** A warehouse code's and a shop id's longest. */
  private static final int MAX_CODE_LENGTH = 200;

  private final Pool pool;
  private final SubscriptionStore store;
  private final EventCatalog catalog;
  private final SubscriptionIndex index;
  private final EndpointPolicy endpoints;
  private final Dialects dialects;

  /** One category of a request, checked. */
  private record Category(String name, String url, String secret, List<String> events) {
  }

  RegistrationRoutes(Pool pool, SubscriptionStore store, EventCatalog catalog, SubscriptionIndex index,
                     EndpointPolicy endpoints, Dialects dialects) {
    this.pool = pool;
    this.store = store;
    this.catalog = catalog;
    this.index = index;
    this.endpoints = endpoints;
    this.dialects = dialects;
  }

  void mount(Operations ops) {
    ops.on("registerWebhooks", this::register);
  }

  private void register(RoutingContext ctx) {
    Registration registration = dialects.registration();
    if (registration == null) {
      throw ApiError.invalid("Registration by category is not configured (registration in the dialects file)");
    }
    JsonObject body = Json.body(ctx);
    SignatureScheme scheme = dialects.scheme(registration.signatureScheme());
    Set<String> locations = locations(body.getValue("sync_inventory_location"));
    String shop = shop(body.getValue("external_partner_id"));
    if (!(body.getValue("sync_webhook") instanceof JsonObject webhooks) || webhooks.isEmpty()) {
      throw ApiError.invalidField("sync_webhook", "must name at least one category: "
        + String.join(", ", new TreeSet<>(registration.categories().keySet())));
    }
    SubscriptionFilter filter = new SubscriptionFilter(shop == null ? Set.of() : Set.of(shop), locations);
    Subscription.DialectNames dialect = new Subscription.DialectNames(registration.payloadFormat(),
      registration.signatureScheme());
    UUID app = Partner.of(ctx).applicationId();

    Future<List<Category>> checked = catalog.names().compose(names -> {
      List<Future<Category>> categories = new ArrayList<>();
      for (String name : webhooks.fieldNames()) {
        categories.add(category(registration, scheme, names, name, webhooks.getValue(name)));
      }
      return Future.all(categories).map(all -> all.<Category>list());
    });
    Future<JsonObject> registered = checked
      .compose(categories -> pool.withTransaction(conn -> save(conn, app, categories, filter, dialect, shop)))
      .recover(e -> Future.failedFuture(e instanceof PgException pg && "23505".equals(pg.getSqlState())
        ? ApiError.conflict("Another registration of these categories is in progress; send it again") : e))
      .compose(saved -> Future.all(saved.values().stream().map(s -> index.refresh(s.id())).toList()).map(saved))
      .map(saved -> {
        JsonObject data = new JsonObject();
        saved.forEach((category, subscription) -> data.put(category, subscription.toJson()));
        return data;
      });
    // Tiki's partners read "success"; Hookgate's read "data".
    registered.onSuccess(data -> Responses.send(ctx, 200, new JsonObject().put("success", true).put("data", data)))
      .onFailure(ctx::fail);
  }

  /** One category's URL (checked like any endpoint) and secret (as the registration's scheme needs it). */
  private Future<Category> category(Registration registration, SignatureScheme scheme, Set<String> names,
                                    String name, Object value) {
    String field = "sync_webhook." + name;
    List<String> types = registration.categories().get(name);
    if (types == null) {
      return Future.failedFuture(ApiError.invalidField(field, "is not a category: "
        + String.join(", ", new TreeSet<>(registration.categories().keySet()))));
    }
    if (!(value instanceof JsonObject json)) {
      return Future.failedFuture(ApiError.invalidField(field, "must be an object with url and secret_key"));
    }
    if (json.getValue("secret_key") == null) {
      return Future.failedFuture(ApiError.invalidField(field + ".secret_key", "is required"));
    }
    String secret;
    List<String> events;
    try {
      secret = SubscriptionChoices.secret(scheme, json.getValue("secret_key"), field + ".secret_key");
      events = EventSelection.parse(new JsonArray(types), names);
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
    return endpoints.check(json.getValue("url"), field + ".url").map(url -> new Category(name, url, secret, events));
  }

  /** Creates or updates each category's subscription on the transaction's connection; the saved ones by category. */
  private Future<Map<String, Subscription>> save(SqlConnection conn, UUID app, List<Category> categories,
                                                 SubscriptionFilter filter, Subscription.DialectNames dialect,
                                                 String shop) {
    Map<String, Subscription> saved = new LinkedHashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (Category c : categories) {
      chain = chain.compose(v -> store.registered(conn, app, c.name(), shop).compose(id -> id == null
        ? store.create(conn, app, new SubscriptionStore.New(c.url(), c.events(), null, Subscription.Status.ACTIVE,
            c.secret(), filter, dialect, c.name(), shop, null))
        : store.rotate(conn, id, app, c.secret(), 0)
          .compose(rotated -> store.update(conn, id, app, new SubscriptionStore.Changes(c.url(), c.events(), false,
            null, null, null, filter, dialect, false, null))))
        .map(subscription -> {
          saved.put(c.name(), subscription);
          return null;
        }));
    }
    return chain.map(saved);
  }

  private static Set<String> locations(Object value) {
    String field = "sync_inventory_location";
    if (!(value instanceof JsonArray array) || array.size() > MAX_LOCATIONS) {
      throw ApiError.invalidField(field, "must be a list of at most " + MAX_LOCATIONS + " warehouse codes");
    }
    Set<String> codes = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String code) || code.isEmpty() || code.length() > MAX_CODE_LENGTH) {
        throw ApiError.invalidField(field + "[" + i + "]", "must be a non-empty string of at most " + MAX_CODE_LENGTH
          + " characters");
      }
      codes.add(code);
    }
    return Set.copyOf(codes);
  }

  private static String shop(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String shop) || shop.isEmpty() || shop.length() > MAX_CODE_LENGTH) {
      throw ApiError.invalidField("external_partner_id", "must be a non-empty string of at most " + MAX_CODE_LENGTH
        + " characters");
    }
    return shop;
  }
}
