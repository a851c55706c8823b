package io.hookgate.partner;

import io.hookgate.support.NodeVerifier;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registration by category in Tiki's shape: one call, one subscription per category (created, then updated
 * in place), filtered to the warehouses and the shop, signed as Tiki signs; a bad call changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationTest {
  private static final String REGISTER = "/api/partner/v1/register-webhooks";
  private static final String SECRET = "sjYKaAFXDaS4qxeykux4WL1qMI0gzAc0";
  private static final String NEW_SECRET = "Zm9ydHktdHdvLWNoYXJhY3RlcnMtbm90";

  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery());

  private static JsonObject registration(String orderUrl, String stockUrl, String secret) {
    return new JsonObject()
      .put("sync_inventory_location", new JsonArray().add("sgn3").add("tbn1"))
      .put("sync_webhook", new JsonObject()
        .put("order", new JsonObject().put("url", orderUrl).put("secret_key", secret))
        .put("stock", new JsonObject().put("url", stockUrl).put("secret_key", secret)))
      .put("external_partner_id", "41235121321");
  }

  /** Every subscription row of the application, as the database has it: what a refused call must leave alone. */
  private List<String> rows(String applicationId) {
    List<String> rows = new ArrayList<>();
    for (Row row : gw.query("SELECT id, url, category, secret, filter::text FROM subscriptions WHERE application_id = $1::uuid"
      + " ORDER BY id", applicationId)) {
      rows.add(row.getUUID("id") + " " + row.getString("url") + " " + row.getString("category") + " "
        + row.getBuffer("secret") + " " + row.getString("filter"));
    }
    return rows;
  }

  @Test
  void oneCallRegistersEachCategoryAndTheDeliveriesAreTikis() throws Exception {
    try (Receiver orders = Receiver.start(gw.vertx()); Receiver stock = Receiver.start(gw.vertx())) {
      JsonObject app = gw.createApplication("tiki-partner");
      String token = gw.token(app, null);
      HttpResponse<Buffer> response = gw.send(POST, REGISTER, token, registration(orders.url(), stock.url(), SECRET));
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      JsonObject body = response.bodyAsJsonObject();
      assertThat(body.getBoolean("success")).isTrue();
      JsonObject order = body.getJsonObject("data").getJsonObject("order");
      JsonObject stocks = body.getJsonObject("data").getJsonObject("stock");
      assertThat(order.getString("category")).isEqualTo("order");
      assertThat(order.getString("shop_id")).isEqualTo("41235121321");
      assertThat(order.getJsonArray("events")).containsExactly("order.*");
      assertThat(order.getString("payload_format")).isEqualTo("tiki");
      assertThat(order.getString("signature_scheme")).isEqualTo("tiki");
      assertThat(order.containsKey("secret_key")).isFalse();
      assertThat(stocks.getJsonObject("filter").getJsonArray("inventory_locations")).containsExactly("sgn3", "tbn1");
      assertThat(stocks.getJsonObject("filter").getJsonArray("merchant_ids")).containsExactly("41235121321");

      // Stock of another warehouse or another shop is not this partner's.
      gw.ingest(TestGateway.event("inventory.updated", new JsonObject().put("sku", "X").put("qty", 3))
        .put("merchant_id", "41235121321").put("inventory_location", "tiger1"));
      gw.ingest(TestGateway.event("inventory.updated", new JsonObject().put("sku", "X").put("qty", 4))
        .put("merchant_id", "other-shop").put("inventory_location", "sgn3"));
      gw.ingest(TestGateway.event("inventory.updated", new JsonObject().put("sku", "X").put("qty", 5))
        .put("merchant_id", "41235121321").put("inventory_location", "sgn3"));
      Receiver.Received got = stock.awaitCount(1, 10_000).get(0);
      assertThat(new JsonObject(got.body())).isEqualTo(new JsonObject().put("data", new JsonObject().put("sku", "X").put("qty", 5)));
      assertThat(NodeVerifier.verifies(NodeVerifier.of("tiki", SECRET, got))).isTrue();

      // Registering again updates the same subscriptions: new URL, new secret (the old one ends at once).
      try (Receiver moved = Receiver.start(gw.vertx())) {
        JsonObject again = gw.send(POST, REGISTER, token, registration(orders.url(), moved.url(), NEW_SECRET))
          .bodyAsJsonObject().getJsonObject("data");
        assertThat(again.getJsonObject("stock").getString("id")).isEqualTo(stocks.getString("id"));
        assertThat(again.getJsonObject("order").getString("id")).isEqualTo(order.getString("id"));
        assertThat(gw.count("SELECT count(*) FROM subscriptions WHERE application_id = $1::uuid", app.getString("id")))
          .isEqualTo(2);
        gw.ingest(TestGateway.event("inventory.updated", new JsonObject().put("sku", "Y"))
          .put("merchant_id", "41235121321").put("inventory_location", "tbn1"));
        Receiver.Received after = moved.awaitCount(1, 10_000).get(0);
        assertThat(after.header("x-signature").split(",")).hasSize(1);
        assertThat(NodeVerifier.verify(List.of(NodeVerifier.of("tiki", NEW_SECRET, after),
          NodeVerifier.of("tiki", SECRET, after)))).containsExactly(true, false);
      }
    }
  }

  @Test
  void aBadRegistrationIsA400ThatChangesNothing() {
    JsonObject app = gw.createApplication("tiki-careless");
    String token = gw.token(app, null);
    String url = "http://127.0.0.1:9/hooks";
    assertThat(gw.send(POST, REGISTER, token, registration(url, url, SECRET)).statusCode()).isEqualTo(200);
    List<String> before = rows(app.getString("id"));
    assertThat(before).hasSize(2);

    // The stock secret is 31 characters: the order category, valid on its own, is not changed either.
    JsonObject shortSecret = registration("http://127.0.0.1:10/orders", url, SECRET);
    shortSecret.getJsonObject("sync_webhook").getJsonObject("stock").put("secret_key", SECRET.substring(1));
    assertInvalid(gw.send(POST, REGISTER, token, shortSecret), "sync_webhook.stock.secret_key", "32 characters");

    JsonObject unknown = registration(url, url, SECRET);
    unknown.getJsonObject("sync_webhook").put("returns", new JsonObject().put("url", url).put("secret_key", SECRET));
    assertInvalid(gw.send(POST, REGISTER, token, unknown), "sync_webhook.returns", "not a category");

    JsonObject badUrl = registration(url, "ftp://example.com/x", SECRET);
    assertInvalid(gw.send(POST, REGISTER, token, badUrl), "sync_webhook.stock.url", "");

    JsonObject noLocations = registration(url, url, SECRET);
    noLocations.remove("sync_inventory_location");
    assertThat(gw.send(POST, REGISTER, token, noLocations).statusCode()).isEqualTo(400);

    assertThat(rows(app.getString("id"))).isEqualTo(before);
  }

  private static void assertInvalid(HttpResponse<Buffer> response, String field, String problem) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(response.bodyAsJsonObject().getString("message")).contains(field).contains(problem);
  }
}
