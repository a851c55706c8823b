package io.hookgate.engine;

import com.standardwebhooks.Webhook;
import io.hookgate.Hookgate;
import io.hookgate.outbound.Signer;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** End-to-end delivery: ingest over HTTP, real receivers, signatures checked by the Standard Webhooks library. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery());

  @Test
  void signerMatchesThePublishedStandardWebhooksTestVector() throws Exception {
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    String msgId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    long timestamp = 1614265330L;
    String body = "{\"test\": 2432232314}";
    String ours = Signer.signature(Signer.key(secret), msgId, timestamp, body.getBytes(StandardCharsets.UTF_8));
    assertThat(ours).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    assertThat(ours).isEqualTo(new Webhook(secret).sign(msgId, timestamp, body));
  }

  @Test
  void aDeliveryIsSignedAndVerifiesWithTheStandardWebhooksLibrary() throws Exception {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("signed-app");
      JsonObject sub = gw.subscribe(token, receiver.url(), "order.created");
      JsonObject accepted = gw.ingest(TestGateway.event("order.created", new JsonObject().put("order_id", "A-1").put("total", 260))
        .put("merchant_id", "shop-9").put("id", "evt_signed_1"));
      assertThat(accepted.getString("id")).isEqualTo("evt_signed_1");
      assertThat(accepted.getInteger("deliveries")).isEqualTo(1);
      assertThat(accepted.getBoolean("duplicate")).isFalse();

      Receiver.Received got = receiver.awaitCount(1, 10_000).get(0);
      new Webhook(sub.getString("secret_key")).verify(got.body(), got.headers());
      assertThat(got.header("webhook-id")).isEqualTo("evt_signed_1");
      assertThat(got.header("content-type")).isEqualTo("application/json");
      assertThat(got.header("user-agent")).startsWith("Hookgate");
      assertThat(got.header("x-hookgate-event-type")).isEqualTo("order.created");
      assertThat(got.header("x-hookgate-attempt")).isEqualTo("1");
      JsonObject envelope = new JsonObject(got.body());
      assertThat(envelope.fieldNames()).containsExactlyInAnyOrder("id", "type", "created_at", "merchant_id", "livemode", "data");
      assertThat(envelope.getString("type")).isEqualTo("order.created");
      assertThat(envelope.getString("merchant_id")).isEqualTo("shop-9");
      assertThat(envelope.getBoolean("livemode")).isTrue();
      assertThat(envelope.getJsonObject("data")).isEqualTo(new JsonObject().put("order_id", "A-1").put("total", 260));

      eventually(() -> "success".equals(delivery("evt_signed_1").getString("status")), 10_000, "delivery recorded as success");
      JsonObject delivery = delivery("evt_signed_1");
      assertThat(delivery.getInteger("attempts")).isEqualTo(1);
      assertThat(delivery.getInteger("last_status_code")).isEqualTo(200);
      assertThat(delivery.getString("webhook_id")).isEqualTo(sub.getString("id"));
      Row attempt = gw.query("SELECT * FROM attempts WHERE delivery_id = $1", UUID.fromString(delivery.getString("id")))
        .iterator().next();
      assertThat(attempt.getInteger("response_status")).isEqualTo(200);
      assertThat(attempt.getString("response_body")).isEqualTo("ok");
      assertThat(attempt.getString("failure_reason")).isNull();
      assertThat(((JsonObject) attempt.getJson("request_headers")).getString("webhook-id")).isEqualTo("evt_signed_1");
      JsonObject webhook = gw.send(io.vertx.core.http.HttpMethod.GET, "/api/partner/v1/webhooks/" + sub.getString("id"), token, null)
        .bodyAsJsonObject().getJsonObject("data");
      assertThat(webhook.getString("last_triggered_at")).isNotNull();
      assertThat(webhook.getJsonObject("health_status").getString("last_success_at")).isNotNull();
      assertThat(webhook.getJsonObject("health_status").getString("status")).isEqualTo("healthy");

      String metrics = gw.send(io.vertx.core.http.HttpMethod.GET, "/metrics", null, null).bodyAsString();
      assertThat(metrics).contains("hookgate_deliveries_total{outcome=\"success\"}")
        .contains("hookgate_attempt_duration_seconds_bucket")
        .contains("hookgate_events_ingested_total")
        .contains("hookgate_deliveries_in_flight")
        .contains("hookgate_deliveries_due")
        .contains("hookgate_deliveries_postponed_total");
    }
  }

  @Test
  void aPartnersOwnSecretSignsWithItsBytes() throws Exception {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String own = "sjYKaAFXDaS4qxeykux4WL1qMI0gzAc0";
      String token = gw.partnerToken("own-secret-app");
      gw.subscribe(token, new JsonObject().put("url", receiver.url()).put("events", new JsonArray().add("inventory.updated"))
        .put("secret_key", own));
      gw.ingest(TestGateway.event("inventory.updated", new JsonObject().put("sku", "X")));
      Receiver.Received got = receiver.awaitCount(1, 10_000).get(0);
      new Webhook(own.getBytes(StandardCharsets.UTF_8)).verify(got.body(), got.headers());
      assertThat(Base64.getDecoder().decode(got.header("webhook-signature").substring(3))).hasSize(32);
    }
  }

  @Test
  void retriesUntilTheEndpointSucceeds() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      receiver.behave(r -> receiverAttempt(r) < 3 ? Reply.status(500).withBody("boom") : Reply.status(200));
      String token = gw.partnerToken("retry-app");
      gw.subscribe(token, receiver.url(), "order.updated");
      String id = gw.ingest(TestGateway.event("order.updated", new JsonObject())).getString("id");
      receiver.awaitCount(3, 10_000);
      eventually(() -> "success".equals(delivery(id).getString("status")), 10_000, "success after retries");
      assertThat(delivery(id).getInteger("attempts")).isEqualTo(3);
      List<Receiver.Received> all = receiver.received();
      assertThat(all).extracting(r -> r.header("webhook-id")).containsOnly(id);
      assertThat(all).extracting(r -> r.header("x-hookgate-attempt")).containsExactly("1", "2", "3");
      UUID deliveryId = UUID.fromString(delivery(id).getString("id"));
      assertThat(gw.query("SELECT failure_reason, response_status, response_body FROM attempts WHERE delivery_id = $1 ORDER BY attempt",
        deliveryId)).extracting(r -> r.getString(0) + "/" + r.getInteger(1) + "/" + r.getString(2))
        .containsExactly("http_5xx/500/boom", "http_5xx/500/boom", "null/200/ok");
    }
  }

  @Test
  void exhaustedDeliveriesFail() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      receiver.behave(r -> Reply.status(503));
      String token = gw.partnerToken("exhaust-app");
      JsonObject sub = gw.subscribe(token, receiver.url(), "product.updated");
      String id = gw.ingest(TestGateway.event("product.updated", new JsonObject())).getString("id");
      eventually(() -> "failed".equals(delivery(id).getString("status")), 10_000, "delivery to fail");
      assertThat(delivery(id).getInteger("attempts")).isEqualTo(3);
      assertThat(receiver.count()).isEqualTo(3);
      JsonObject health = gw.send(io.vertx.core.http.HttpMethod.GET, "/api/partner/v1/webhooks/" + sub.getString("id"), token, null)
        .bodyAsJsonObject().getJsonObject("data").getJsonObject("health_status");
      assertThat(health.getString("last_failure_reason")).isEqualTo("http_5xx");
      assertThat(health.getDouble("success_rate")).isEqualTo(0.0);
      assertThat(health.getString("status")).isEqualTo("error");
      assertThat(health.getString("last_failure_at")).isNotNull();
    }
  }

  private static int receiverAttempt(Receiver.Received r) {
    return Integer.parseInt(r.header("x-hookgate-attempt"));
  }

  private JsonObject delivery(String eventId) {
    JsonArray deliveries = gw.event(eventId).getJsonArray("deliveries");
    assertThat(deliveries).hasSize(1);
    return deliveries.getJsonObject(0);
  }

}
