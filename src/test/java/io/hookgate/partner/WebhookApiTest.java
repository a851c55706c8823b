package io.hookgate.partner;

import io.hookgate.subscription.SecretBox;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookApiTest {
  private static final String WEBHOOKS = "/api/partner/v1/webhooks";

  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass();

  private static JsonObject webhook(String url, String... events) {
    return new JsonObject().put("url", url).put("events", new JsonArray(List.of((Object[]) events)));
  }

  private JsonObject create(String token, JsonObject body) {
    HttpResponse<Buffer> response = gw.send(POST, WEBHOOKS, token, body);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject().getJsonObject("data");
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code, String messagePart) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message")).contains(messagePart);
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "message");
  }

  @Test
  void createReturnsSeedFieldsAndTheSecretOnlyOnce() {
    String token = gw.partnerToken("erp-create");
    JsonObject created = create(token, webhook("https://erp.example.com/hooks", "order.created", "order.updated")
      .put("description", "Orders for the ERP"));

    assertThat(UUID.fromString(created.getString("id"))).isNotNull();
    assertThat(created.getString("url")).isEqualTo("https://erp.example.com/hooks");
    assertThat(created.getJsonArray("events")).containsExactly("order.created", "order.updated");
    assertThat(created.getString("description")).isEqualTo("Orders for the ERP");
    assertThat(created.getBoolean("is_active")).isTrue();
    assertThat(created.getString("status")).isEqualTo("ACTIVE");
    assertThat(created.getString("secret_key")).startsWith("whsec_");
    assertThat(Base64.getDecoder().decode(created.getString("secret_key").substring(6))).hasSize(32);
    assertThat(created.getString("created_at")).isNotBlank();
    assertThat(created.getString("updated_at")).isNotBlank();
    assertThat(created.containsKey("last_triggered_at")).isTrue();
    JsonObject health = created.getJsonObject("health_status");
    assertThat(health.getString("status")).isEqualTo("healthy");
    assertThat(health.getDouble("success_rate")).isEqualTo(100.0);

    HttpResponse<Buffer> got = gw.send(GET, WEBHOOKS + "/" + created.getString("id"), token, null);
    assertThat(got.statusCode()).isEqualTo(200);
    JsonObject data = got.bodyAsJsonObject().getJsonObject("data");
    assertThat(data.containsKey("secret_key")).isFalse();
    assertThat(data.getString("id")).isEqualTo(created.getString("id"));
    assertThat(got.bodyAsString()).doesNotContain(created.getString("secret_key"));

    HttpResponse<Buffer> listed = gw.send(GET, WEBHOOKS, token, null);
    assertThat(listed.bodyAsString()).doesNotContain(created.getString("secret_key"));
  }

  @Test
  void secretsAreEncryptedAtRest() {
    String token = gw.partnerToken("erp-secret");
    String own = "sjYKaAFXDaS4qxeykux4WL1qMI0gzAc0"; // Tiki-style 32-character key
    JsonObject created = create(token, webhook("https://erp.example.com/stock", "inventory.updated").put("secret_key", own));
    assertThat(created.getString("secret_key")).isEqualTo(own);

    UUID id = UUID.fromString(created.getString("id"));
    Row row = gw.query("SELECT secret FROM subscriptions WHERE id = $1", id).iterator().next();
    byte[] stored = row.getBuffer("secret").getBytes();
    assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(own);
    SecretBox box = new SecretBox(Base64.getDecoder().decode(TestGateway.SECRET_ENCRYPTION_KEY));
    assertThat(box.open(id, stored)).isEqualTo(own);
  }

  @Test
  void wildcardsAndStarAreAccepted() {
    String token = gw.partnerToken("erp-wild");
    assertThat(create(token, webhook("http://erp.example.com/a", "order.*", "charge.complete")).getJsonArray("events"))
      .containsExactly("order.*", "charge.complete");
    assertThat(create(token, webhook("https://erp.example.com/b", "*")).getJsonArray("events")).containsExactly("*");
  }

  @Test
  void listIsPaginatedAndScopedToTheApplication() {
    String token = gw.partnerToken("erp-list");
    String other = gw.partnerToken("other-list");
    for (int i = 0; i < 5; i++) {
      create(token, webhook("https://erp.example.com/" + i, "order.created"));
    }
    create(other, webhook("https://other.example.com/x", "order.created"));

    HttpResponse<Buffer> page2 = gw.send(GET, WEBHOOKS + "?page_size=2&page_number=2", token, null);
    assertThat(page2.statusCode()).isEqualTo(200);
    JsonObject body = page2.bodyAsJsonObject();
    assertThat(body.getJsonArray("data")).hasSize(2);
    assertThat(body.getJsonArray("data").getJsonObject(0).getString("url")).isEqualTo("https://erp.example.com/2");
    JsonObject pagination = body.getJsonObject("pagination");
    assertThat(pagination.getInteger("page_size")).isEqualTo(2);
    assertThat(pagination.getInteger("page_number")).isEqualTo(2);
    assertThat(pagination.getLong("total")).isEqualTo(5);
    assertThat(pagination.getLong("total_pages")).isEqualTo(3);

    JsonObject beyond = gw.send(GET, WEBHOOKS + "?page_size=2&page_number=9", token, null).bodyAsJsonObject();
    assertThat(beyond.getJsonArray("data")).isEmpty();
    assertThat(beyond.getJsonObject("pagination").getLong("total")).isEqualTo(5);

    assertError(gw.send(GET, WEBHOOKS + "?page_size=0", token, null), 400, "invalid_request", "page_size");
    assertError(gw.send(GET, WEBHOOKS + "?page_size=1000", token, null), 400, "invalid_request", "page_size");
    assertError(gw.send(GET, WEBHOOKS + "?page_number=abc", token, null), 400, "invalid_request", "page_number");
  }

  @Test
  void patchChangesFieldsAndStatusWithIsActive() {
    String token = gw.partnerToken("erp-patch");
    String id = create(token, webhook("https://erp.example.com/old", "order.created").put("description", "old")).getString("id");

    JsonObject updated = gw.send(PATCH, WEBHOOKS + "/" + id, token,
      new JsonObject().put("url", "https://erp.example.com/new").put("events", new JsonArray().add("customer.created"))
        .put("description", null)).bodyAsJsonObject().getJsonObject("data");
    assertThat(updated.getString("url")).isEqualTo("https://erp.example.com/new");
    assertThat(updated.getJsonArray("events")).containsExactly("customer.created");
    assertThat(updated.getString("description")).isNull();

    JsonObject paused = gw.send(PATCH, WEBHOOKS + "/" + id, token, new JsonObject().put("status", "PAUSED"))
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(paused.getString("status")).isEqualTo("PAUSED");
    assertThat(paused.getBoolean("is_active")).isFalse();
    assertThat(paused.getString("url")).isEqualTo("https://erp.example.com/new");

    JsonObject disabled = gw.send(PATCH, WEBHOOKS + "/" + id, token, new JsonObject().put("is_active", false))
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(disabled.getString("status")).isEqualTo("DISABLED");
    assertThat(disabled.getString("disabled_reason")).isNotBlank();

    JsonObject active = gw.send(PATCH, WEBHOOKS + "/" + id, token, new JsonObject().put("is_active", true))
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(active.getString("status")).isEqualTo("ACTIVE");
    assertThat(active.getBoolean("is_active")).isTrue();
    assertThat(active.getString("disabled_reason")).isNull();

    assertError(gw.send(PATCH, WEBHOOKS + "/" + id, token, new JsonObject().put("is_active", true).put("status", "PAUSED")),
      400, "invalid_request", "is_active");
    assertError(gw.send(PATCH, WEBHOOKS + "/" + id, token, new JsonObject().put("status", "SLEEPING")),
      400, "invalid_request", "status");
    assertError(gw.send(PATCH, WEBHOOKS + "/" + id, token, new JsonObject().put("secret_key", "x".repeat(30))),
      400, "invalid_request", "secret_key");
    assertThat(gw.send(GET, WEBHOOKS + "/" + id, token, null).bodyAsJsonObject().getJsonObject("data").getString("status"))
      .isEqualTo("ACTIVE");
  }

  @Test
  void createdAsPausedOrInactive() {
    String token = gw.partnerToken("erp-initial-status");
    assertThat(create(token, webhook("https://erp.example.com/p", "order.created").put("status", "PAUSED")).getString("status"))
      .isEqualTo("PAUSED");
    JsonObject inactive = create(token, webhook("https://erp.example.com/i", "order.created").put("is_active", false));
    assertThat(inactive.getString("status")).isEqualTo("DISABLED");
    assertThat(inactive.getBoolean("is_active")).isFalse();
  }

  @Test
  void deleteRemovesTheSubscription() {
    String token = gw.partnerToken("erp-delete");
    String id = create(token, webhook("https://erp.example.com/d", "order.created")).getString("id");
    assertThat(gw.send(DELETE, WEBHOOKS + "/" + id, token, null).statusCode()).isEqualTo(204);
    assertError(gw.send(GET, WEBHOOKS + "/" + id, token, null), 404, "not_found", "Webhook subscription not found");
    assertError(gw.send(DELETE, WEBHOOKS + "/" + id, token, null), 404, "not_found", "Webhook subscription not found");
  }

  @Test
  void anotherApplicationsSubscriptionLooksExactlyLikeAMissingOne() {
    String owner = gw.partnerToken("owner-app");
    String intruder = gw.partnerToken("intruder-app");
    String id = create(owner, webhook("https://owner.example.com/h", "order.created")).getString("id");

    for (HttpResponse<Buffer> response : List.of(
      gw.send(GET, WEBHOOKS + "/" + id, intruder, null),
      gw.send(PATCH, WEBHOOKS + "/" + id, intruder, new JsonObject().put("url", "https://evil.example.com")),
      gw.send(DELETE, WEBHOOKS + "/" + id, intruder, null),
      gw.send(GET, WEBHOOKS + "/" + UUID.randomUUID(), intruder, null),
      gw.send(GET, WEBHOOKS + "/not-a-uuid", intruder, null))) {
      assertThat(response.statusCode()).isEqualTo(404);
      assertThat(response.bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("error", "not_found").put("message", "Webhook subscription not found"));
    }
    JsonObject untouched = gw.send(GET, WEBHOOKS + "/" + id, owner, null).bodyAsJsonObject().getJsonObject("data");
    assertThat(untouched.getString("url")).isEqualTo("https://owner.example.com/h");
    assertThat(gw.send(GET, WEBHOOKS, intruder, null).bodyAsJsonObject().getJsonArray("data")).isEmpty();
  }

  @Test
  void scopesAreEnforced() {
    JsonObject app = gw.createApplication("scoped-app");
    String readOnly = gw.token(app, "read:webhooks");
    String writeOnly = gw.token(app, "write:webhooks");
    String id = create(writeOnly, webhook("https://erp.example.com/s", "order.created")).getString("id");

    assertError(gw.send(POST, WEBHOOKS, readOnly, webhook("https://erp.example.com/t", "order.created")),
      403, "forbidden", "write:webhooks");
    assertError(gw.send(PATCH, WEBHOOKS + "/" + id, readOnly, new JsonObject().put("description", "x")),
      403, "forbidden", "write:webhooks");
    assertError(gw.send(DELETE, WEBHOOKS + "/" + id, readOnly, null), 403, "forbidden", "write:webhooks");
    assertError(gw.send(GET, WEBHOOKS, writeOnly, null), 403, "forbidden", "read:webhooks");
    assertError(gw.send(GET, WEBHOOKS + "/" + id, writeOnly, null), 403, "forbidden", "read:webhooks");
    assertThat(gw.send(GET, WEBHOOKS + "/" + id, readOnly, null).statusCode()).isEqualTo(200);
    assertThat(gw.count("SELECT count(*) FROM subscriptions WHERE url = $1", "https://erp.example.com/t")).isZero();
  }

  @Test
  void requestsWithoutAValidTokenAreUnauthorized() {
    HttpResponse<Buffer> missing = gw.send(GET, WEBHOOKS, null, null);
    assertError(missing, 401, "unauthorized", "Bearer");
    assertThat(missing.getHeader("WWW-Authenticate")).startsWith("Bearer");
    assertError(gw.send(GET, WEBHOOKS, "hgt_unknown", null), 401, "unauthorized", "invalid or expired");
    assertError(gw.send(GET, WEBHOOKS, TestGateway.ADMIN_KEY, null), 401, "unauthorized", "invalid or expired");
  }

  @Test
  void badInputIsRejectedAndChangesNothing() {
    String token = gw.partnerToken("erp-bad-input");
    String id = create(token, webhook("https://erp.example.com/keep", "order.created")).getString("id");
    long before = gw.count("SELECT count(*) FROM subscriptions");
    String snapshot = gw.query("SELECT row_to_json(s)::text FROM subscriptions s WHERE id = $1", UUID.fromString(id))
      .iterator().next().getString(0);

    record Case(JsonObject body, String field) {
    }
    List<Case> cases = List.of(
      new Case(new JsonObject().put("events", new JsonArray().add("order.created")), "url"),
      new Case(new JsonObject().put("url", "https://erp.example.com/x"), "events"),
      new Case(webhook("ftp://erp.example.com/x", "order.created"), "url"),
      new Case(webhook("javascript:alert(1)", "order.created"), "url"),
      new Case(webhook("https://user:pass@erp.example.com/x", "order.created"), "url"),
      new Case(webhook("https:///nohost", "order.created"), "url"),
      new Case(webhook("https://erp.example.com/" + "a".repeat(2100), "order.created"), "url"),
      new Case(new JsonObject().put("url", 42).put("events", new JsonArray().add("order.created")), "url"),
      new Case(webhook("https://erp.example.com/x"), "events"),
      new Case(webhook("https://erp.example.com/x", "order.exploded"), "events[0]"),
      new Case(webhook("https://erp.example.com/x", "order.created", "nothing.*"), "events[1]"),
      new Case(new JsonObject().put("url", "https://erp.example.com/x").put("events", "order.created"), "events"),
      new Case(new JsonObject().put("url", "https://erp.example.com/x").put("events", new JsonArray().add(7)), "events[0]"),
      new Case(webhook("https://erp.example.com/x", "order.created").put("description", "d".repeat(501)), "description"),
      new Case(webhook("https://erp.example.com/x", "order.created").put("is_active", "yes"), "is_active"),
      new Case(webhook("https://erp.example.com/x", "order.created").put("status", "ON"), "status"),
      new Case(webhook("https://erp.example.com/x", "order.created").put("secret_key", "too-short"), "secret_key"),
      new Case(webhook("https://erp.example.com/x", "order.created").put("secret_key", "s".repeat(65)), "secret_key"),
      new Case(webhook("https://erp.example.com/x", "order.created").put("secret_key", "has spaces in it but long enough"), "secret_key"),
      new Case(webhook("https://erp.example.com/x", "order.created").put("colour", "blue"), "colour"));
    for (Case c : cases) {
      HttpResponse<Buffer> response = gw.send(POST, WEBHOOKS, token, c.body());
      assertError(response, 400, "invalid_request", c.field());
    }
    assertError(gw.send(PATCH, WEBHOOKS + "/" + id, token, new JsonObject().put("url", "gopher://x")), 400, "invalid_request", "url");
    assertError(gw.send(PATCH, WEBHOOKS + "/" + id, token, new JsonObject().put("events", new JsonArray())), 400, "invalid_request", "events");

    assertError(gw.sendRaw(POST, WEBHOOKS, token, "application/json", Buffer.buffer("{\"url\": ")), 400, "invalid_request", "JSON");
    assertError(gw.sendRaw(POST, WEBHOOKS, token, "application/json", Buffer.buffer("[1,2]")), 400, "invalid_request", "object");
    assertError(gw.sendRaw(POST, WEBHOOKS, token, "text/plain", Buffer.buffer("url=https://x")), 415, "invalid_request", "application/json");
    assertError(gw.sendRaw(POST, WEBHOOKS, token, "application/json", Buffer.buffer("{\"url\":\"" + "x".repeat(2_000_000) + "\"}")),
      413, "invalid_request", "exceeds");
    assertError(gw.sendRaw(PATCH, WEBHOOKS + "/" + id, token, "application/json", Buffer.buffer("nope")), 400, "invalid_request", "JSON");

    assertThat(gw.count("SELECT count(*) FROM subscriptions")).isEqualTo(before);
    assertThat(gw.query("SELECT row_to_json(s)::text FROM subscriptions s WHERE id = $1", UUID.fromString(id))
      .iterator().next().getString(0)).isEqualTo(snapshot);
  }

  @Test
  void unknownRoutesAndMethodsGetJsonErrors() {
    String token = gw.partnerToken("erp-routes");
    assertError(gw.send(GET, "/api/partner/v1/nothing-here", token, null), 404, "not_found", "not found");
    HttpResponse<Buffer> wrongMethod = gw.send(HttpMethod.PUT, "/health", null, null);
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
  }
}
