package io.hookgate.application;

import io.hookgate.catalog.EventTypeCatalogFile;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlatformApiTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass();

  private static void assertError(HttpResponse<Buffer> response, int status, String code, String messagePart) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo(code);
    assertThat(response.bodyAsJsonObject().getString("message")).contains(messagePart);
  }

  @Test
  void applicationLifecycle() {
    HttpResponse<Buffer> created = gw.admin(POST, "/api/v1/applications",
      new JsonObject().put("name", "Accounting Sync").put("scopes", new JsonArray().add("read:webhooks")));
    assertThat(created.statusCode()).isEqualTo(201);
    JsonObject app = created.bodyAsJsonObject().getJsonObject("data");
    String id = app.getString("id");
    assertThat(app.getString("client_id")).startsWith("hga_");
    assertThat(app.getString("client_secret")).startsWith("hgs_");
    assertThat(app.getJsonArray("scopes")).containsExactly("read:webhooks");

    // The secret is stored only as a hash and never shown again.
    byte[] stored = gw.query("SELECT client_secret_hash FROM applications WHERE id = $1", UUID.fromString(id))
      .iterator().next().getBuffer(0).getBytes();
    assertThat(stored).hasSize(32);
    HttpResponse<Buffer> got = gw.admin(GET, "/api/v1/applications/" + id, null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.bodyAsJsonObject().getJsonObject("data").containsKey("client_secret")).isFalse();
    assertThat(gw.admin(GET, "/api/v1/applications", null).bodyAsString()).doesNotContain(app.getString("client_secret"));

    JsonObject updated = gw.admin(PATCH, "/api/v1/applications/" + id,
        new JsonObject().put("scopes", new JsonArray().add("read:webhooks").add("write:webhooks")).put("name", "Accounting"))
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(updated.getString("name")).isEqualTo("Accounting");
    assertThat(updated.getJsonArray("scopes")).containsExactly("read:webhooks", "write:webhooks");

    JsonObject rotated = gw.admin(POST, "/api/v1/applications/" + id + "/rotate-secret", null)
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(rotated.getString("client_secret")).isNotEqualTo(app.getString("client_secret"));
    HttpResponse<Buffer> oldSecret = gw.client().post("/api/partner/v1/oauth/token").sendForm(io.vertx.core.MultiMap
      .caseInsensitiveMultiMap().add("grant_type", "client_credentials").add("client_id", app.getString("client_id"))
      .add("client_secret", app.getString("client_secret"))).toCompletionStage().toCompletableFuture().join();
    assertThat(oldSecret.statusCode()).isEqualTo(401);
    assertThat(gw.token(rotated, null)).startsWith("hgt_");

    assertThat(gw.admin(DELETE, "/api/v1/applications/" + id, null).statusCode()).isEqualTo(204);
    assertError(gw.admin(GET, "/api/v1/applications/" + id, null), 404, "not_found", "Application not found");
    assertError(gw.admin(DELETE, "/api/v1/applications/" + id, null), 404, "not_found", "Application not found");
  }

  @Test
  void deletingAnApplicationRevokesItsTokensAndSubscriptions() {
    JsonObject app = gw.createApplication("short-lived");
    String token = gw.token(app, null);
    JsonObject hook = gw.send(POST, "/api/partner/v1/webhooks", token, new JsonObject()
      .put("url", "https://x.example.com/h").put("events", new JsonArray().add("order.created")))
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(gw.admin(DELETE, "/api/v1/applications/" + app.getString("id"), null).statusCode()).isEqualTo(204);
    assertError(gw.send(GET, "/api/partner/v1/webhooks", token, null), 401, "unauthorized", "invalid or expired");
    assertThat(gw.count("SELECT count(*) FROM subscriptions WHERE id = $1", UUID.fromString(hook.getString("id")))).isZero();
  }

  @Test
  void applicationsListIsPaginated() {
    for (int i = 0; i < 3; i++) {
      gw.createApplication("paged-" + i);
    }
    JsonObject page = gw.admin(GET, "/api/v1/applications?page_size=2&page_number=1", null).bodyAsJsonObject();
    assertThat(page.getJsonArray("data")).hasSize(2);
    assertThat(page.getJsonObject("pagination").getLong("total")).isGreaterThanOrEqualTo(3);
  }

  @Test
  void badApplicationInputIsRejectedAndChangesNothing() {
    long before = gw.count("SELECT count(*) FROM applications");
    assertError(gw.admin(POST, "/api/v1/applications", new JsonObject()), 400, "invalid_request", "name");
    assertError(gw.admin(POST, "/api/v1/applications", new JsonObject().put("name", "")), 400, "invalid_request", "name");
    assertError(gw.admin(POST, "/api/v1/applications", new JsonObject().put("name", "n".repeat(201))), 400, "invalid_request", "name");
    assertError(gw.admin(POST, "/api/v1/applications", new JsonObject().put("name", 5)), 400, "invalid_request", "name");
    assertError(gw.admin(POST, "/api/v1/applications", new JsonObject().put("name", "x")
      .put("scopes", new JsonArray().add("admin:everything"))), 400, "invalid_request", "scopes[0]");
    assertThat(gw.count("SELECT count(*) FROM applications")).isEqualTo(before);

    String id = gw.createApplication("keep-me").getString("id");
    assertError(gw.admin(PATCH, "/api/v1/applications/" + id, new JsonObject().put("scopes", "read:webhooks")),
      400, "invalid_request", "scopes");
    assertThat(gw.admin(GET, "/api/v1/applications/" + id, null).bodyAsJsonObject().getJsonObject("data").getString("name"))
      .isEqualTo("keep-me");
    assertError(gw.admin(GET, "/api/v1/applications/" + UUID.randomUUID(), null), 404, "not_found", "Application");
    assertError(gw.admin(PATCH, "/api/v1/applications/nope", new JsonObject().put("name", "x")), 404, "not_found", "Application");
  }

  @Test
  void platformApiNeedsTheAdminKey() {
    assertError(gw.send(GET, "/api/v1/applications", null, null), 401, "unauthorized", "Bearer");
    assertError(gw.send(GET, "/api/v1/applications", "wrong-key-wrong-key", null), 401, "unauthorized", "Invalid platform key");
    String partnerToken = gw.partnerToken("not-an-admin");
    assertError(gw.send(GET, "/api/v1/event-types", partnerToken, null), 401, "unauthorized", "Invalid platform key");
    assertError(gw.send(POST, "/api/v1/applications", null, new JsonObject().put("name", "x")), 401, "unauthorized", "Bearer");
  }

  @Test
  void catalogIsSeededFromTheConfigFileWithTheSeedsEvents() {
    JsonArray types = gw.admin(GET, "/api/v1/event-types", null).bodyAsJsonObject().getJsonArray("data");
    Set<String> names = types.stream().map(t -> ((JsonObject) t).getString("name")).collect(Collectors.toSet());
    int inFile = EventTypeCatalogFile.read(gw.gateway().config().eventTypesFile()).size();
    assertThat(gw.count("SELECT count(*) FROM event_types")).isGreaterThanOrEqualTo(inFile);
    assertThat(names).contains(
      "order.created", "order.updated", "order.status_changed", "order.cancelled", "customer.created",
      "inventory.updated", "product.deleted", "transaction.created", "loyalty.points_earned", "loyalty.points_redeemed",
      "charge.complete", "refund.create", "dispute.close", "transfer.fail", "recipient.verify", "card.destroy",
      "user.create", "user.mobile_sign_up", "order_payment.complete", "user_credit.create", "aftersale.status_changed");
    Set<String> groups = types.stream().map(t -> ((JsonObject) t).getString("group")).collect(Collectors.toSet());
    assertThat(groups).contains("order", "customer", "inventory", "product", "transaction", "loyalty", "charge",
      "refund", "dispute", "transfer", "user");
    JsonArray orders = gw.admin(GET, "/api/v1/event-types?group=order", null).bodyAsJsonObject().getJsonArray("data");
    assertThat(orders).isNotEmpty().allSatisfy(t -> assertThat(((JsonObject) t).getString("group")).isEqualTo("order"));
  }

  @Test
  void eventTypeLifecycle() {
    HttpResponse<Buffer> created = gw.admin(POST, "/api/v1/event-types",
      new JsonObject().put("name", "shipment.dispatched").put("description", "A parcel left the warehouse"));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getJsonObject("data").getString("group")).isEqualTo("shipment");

    assertError(gw.admin(POST, "/api/v1/event-types", new JsonObject().put("name", "shipment.dispatched")),
      409, "conflict", "already exists");

    JsonObject updated = gw.admin(PATCH, "/api/v1/event-types/shipment.dispatched",
      new JsonObject().put("description", "Left the warehouse")).bodyAsJsonObject().getJsonObject("data");
    assertThat(updated.getString("description")).isEqualTo("Left the warehouse");
    assertThat(updated.getBoolean("deprecated")).isFalse();

    // A partner can subscribe to the new type...
    String token = gw.partnerToken("shipping-partner");
    JsonObject hook = new JsonObject().put("url", "https://ship.example.com/h").put("events", new JsonArray().add("shipment.dispatched"));
    assertThat(gw.send(POST, "/api/partner/v1/webhooks", token, hook).statusCode()).isEqualTo(201);
    JsonArray visible = gw.send(GET, "/api/partner/v1/event-types?group=shipment", token, null).bodyAsJsonObject().getJsonArray("data");
    assertThat(visible).hasSize(1);

    // ...until it is deprecated: then new subscriptions cannot name it and partners no longer see it.
    JsonObject deprecated = gw.admin(POST, "/api/v1/event-types/shipment.dispatched/deprecate", null)
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(deprecated.getBoolean("deprecated")).isTrue();
    assertError(gw.send(POST, "/api/partner/v1/webhooks", token, hook), 400, "invalid_request", "events[0]");
    assertThat(gw.send(GET, "/api/partner/v1/event-types?group=shipment", token, null).bodyAsJsonObject().getJsonArray("data")).isEmpty();
    JsonArray all = gw.admin(GET, "/api/v1/event-types?include_deprecated=true&group=shipment", null).bodyAsJsonObject().getJsonArray("data");
    assertThat(all).hasSize(1);
    assertThat(gw.admin(GET, "/api/v1/event-types?group=shipment", null).bodyAsJsonObject().getJsonArray("data")).isEmpty();

    JsonObject restored = gw.admin(PATCH, "/api/v1/event-types/shipment.dispatched", new JsonObject().put("deprecated", false))
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(restored.getBoolean("deprecated")).isFalse();
    assertThat(gw.admin(GET, "/api/v1/event-types/shipment.dispatched", null).statusCode()).isEqualTo(200);
  }

  @Test
  void badEventTypeInputIsRejected() {
    long before = gw.count("SELECT count(*) FROM event_types");
    for (Object name : List.of("NoDots", "Order.Created", "order.", ".order", "order created", "a." + "b".repeat(120), 17)) {
      assertError(gw.admin(POST, "/api/v1/event-types", new JsonObject().put("name", name)), 400, "invalid_request", "name");
    }
    assertError(gw.admin(POST, "/api/v1/event-types", new JsonObject().put("name", "ok.name").put("description", "d".repeat(1001))),
      400, "invalid_request", "description");
    assertError(gw.admin(PATCH, "/api/v1/event-types/order.created", new JsonObject().put("deprecated", "yes")),
      400, "invalid_request", "deprecated");
    assertThat(gw.count("SELECT count(*) FROM event_types")).isEqualTo(before);
    assertThat(gw.count("SELECT count(*) FROM event_types WHERE deprecated")).isZero();
    assertError(gw.admin(GET, "/api/v1/event-types/nothing.here", null), 404, "not_found", "Event type not found");
    assertError(gw.admin(POST, "/api/v1/event-types/nothing.here/deprecate", null), 404, "not_found", "Event type not found");
  }
}
