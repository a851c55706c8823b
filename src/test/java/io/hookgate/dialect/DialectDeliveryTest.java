package io.hookgate.dialect;

import com.standardwebhooks.Webhook;
import io.hookgate.support.NodeVerifier;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deliveries in each shipped dialect, end to end: real receivers get the platform's envelope and signature,
 * checked by Node's crypto following the platform's recipe; rotation, ping, test events, retries and the
 * delivery history all speak the subscription's dialect.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DialectDeliveryTest {
  private static final String WEBHOOKS = "/api/partner/v1/webhooks/";
  private static final String TIKI_SECRET = "sjYKaAFXDaS4qxeykux4WL1qMI0gzAc0";
  private static final AtomicInteger EVENTS = new AtomicInteger();

  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery());

  private JsonObject subscribe(String token, String url, String scheme, String... events) {
    JsonObject body = new JsonObject().put("url", url).put("events", new JsonArray(List.of((Object[]) events)));
    if (scheme != null) {
      body.put("signature_scheme", scheme);
    }
    if ("tiki".equals(scheme)) {
      body.put("secret_key", TIKI_SECRET);
    }
    return gw.subscribe(token, body);
  }

  private String ingestOrder(String merchant) {
    String id = "evt_dialect_" + EVENTS.incrementAndGet();
    gw.ingest(TestGateway.event("order.created", new JsonObject().put("_id", "600fce09aa1e7900174b9ba2")
        .put("status", "pending").put("merchant_handle", "jimmytest2").put("name", "綠景")
        .put("total", new JsonObject().put("cents", 26000.5).put("currency_iso", "TWD")))
      .put("merchant_id", merchant).put("id", id).put("occurred_at", "2021-01-26T08:08:41Z").put("livemode", false));
    return id;
  }

  @Test
  void eachShippedDialectSendsItsPlatformsEnvelopeAndSignatureThatNodeVerifies() throws Exception {
    String token = gw.partnerToken("dialects-app");
    List<String> schemes = List.of("standard", "shopline", "shopline-hmac", "omise", "tiki");
    List<Receiver> receivers = new ArrayList<>();
    List<JsonObject> subscriptions = new ArrayList<>();
    try {
      for (String scheme : schemes) {
        Receiver receiver = Receiver.start(gw.vertx());
        receivers.add(receiver);
        // Shopline's partners subscribe with Shopline's topic names.
        subscriptions.add(subscribe(token, receiver.url(), scheme, scheme.equals("shopline") ? "order/create" : "order.created"));
      }
      String eventId = ingestOrder("5fc5ea00c43d7f001003999d");
      List<NodeVerifier.Case> cases = new ArrayList<>();
      for (int i = 0; i < schemes.size(); i++) {
        Receiver.Received got = receivers.get(i).awaitCount(1, 10_000).get(0);
        cases.add(NodeVerifier.of(schemes.get(i), subscriptions.get(i).getString("secret_key"), got));
        assertThat(subscriptions.get(i).getString("signature_scheme")).isEqualTo(schemes.get(i));
        assertThat(got.header("x-hookgate-event-id")).isEqualTo(eventId);
        assertThat(got.header("content-type")).isEqualTo("application/json");
      }
      assertThat(NodeVerifier.verify(cases)).containsOnly(true).hasSize(schemes.size());

      JsonObject standard = new JsonObject(receivers.get(0).received().get(0).body());
      assertThat(standard.fieldNames()).containsExactlyInAnyOrder("id", "type", "created_at", "merchant_id", "livemode", "data");

      Receiver.Received shoplineRequest = receivers.get(1).received().get(0);
      JsonObject shopline = new JsonObject(shoplineRequest.body());
      assertThat(subscriptions.get(1).getJsonArray("events")).containsExactly("order.created");
      assertThat(subscriptions.get(1).getString("payload_format")).isEqualTo("shopline");
      assertThat(shopline.fieldNames()).containsExactly("topic", "event", "merchant_id", "merchant_handle", "resource");
      assertThat(shopline.getString("topic")).isEqualTo("order/create");
      assertThat(shopline.getString("event")).isEqualTo("Order");
      assertThat(shopline.getString("merchant_handle")).isEqualTo("jimmytest2");
      assertThat(shopline.getJsonObject("resource").containsKey("merchant_handle")).isFalse();
      assertThat(shopline.getJsonObject("resource").getString("name")).isEqualTo("綠景");
      assertThat(shoplineRequest.queryParams().get("sign")).matches("[0-9a-f]{64}");

      Receiver.Received hmacRequest = receivers.get(2).received().get(0);
      assertThat(new JsonObject(hmacRequest.body()).getString("_id")).isEqualTo("600fce09aa1e7900174b9ba2");
      assertThat(hmacRequest.header("x-shopline-topic")).isEqualTo("orders/create");
      assertThat(hmacRequest.header("x-shopline-webhook-id")).isEqualTo(eventId);
      assertThat(hmacRequest.header("x-shopline-shop-id")).isEqualTo("5fc5ea00c43d7f001003999d");

      JsonObject omise = new JsonObject(receivers.get(3).received().get(0).body());
      assertThat(omise.fieldNames()).containsExactly("object", "id", "livemode", "location", "key", "created", "data");
      assertThat(omise.getString("object")).isEqualTo("event");
      assertThat(omise.getString("location")).isEqualTo("/events/" + eventId);
      assertThat(omise.getString("created")).isEqualTo("2021-01-26T08:08:41Z");
      assertThat(omise.getBoolean("livemode")).isFalse();
      assertThat(Base64.getDecoder().decode(subscriptions.get(3).getString("secret_key"))).hasSize(32);

      JsonObject tiki = new JsonObject(receivers.get(4).received().get(0).body());
      assertThat(tiki.fieldNames()).containsExactly("data");
      assertThat(receivers.get(4).received().get(0).header("x-signature")).startsWith("sha1=");
    } finally {
      receivers.forEach(Receiver::close);
    }
  }

  @Test
  void theDataFormatSendsTheEventsDataAloneSignedWithStandardWebhooks() throws Exception {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("data-app");
      JsonObject sub = gw.subscribe(token, new JsonObject().put("url", receiver.url())
        .put("events", new JsonArray().add("order.created")).put("payload_format", "data"));
      assertThat(sub.getString("signature_scheme")).isEqualTo("standard");
      ingestOrder("shop-data");
      Receiver.Received got = receiver.awaitCount(1, 10_000).get(0);
      new Webhook(sub.getString("secret_key")).verify(got.body(), got.headers());
      assertThat(new JsonObject(got.body()).getString("status")).isEqualTo("pending");
      assertThat(new JsonObject(got.body()).containsKey("type")).isFalse();
    }
  }

  @Test
  void duringARotationEverySchemeSignsWithBothSecretsInItsPlatformsForm() throws Exception {
    String token = gw.partnerToken("rotation-app");
    Map<String, String> separators = Map.of("standard", " ", "shopline", ",", "shopline-hmac", ",", "omise", ",",
      "tiki", ",");
    for (String scheme : separators.keySet()) {
      try (Receiver receiver = Receiver.start(gw.vertx())) {
        JsonObject sub = subscribe(token, receiver.url(), scheme, "order.created");
        String old = sub.getString("secret_key");
        JsonObject rotate = new JsonObject().put("grace_period_seconds", 3600);
        if (scheme.equals("tiki")) {
          rotate.put("secret_key", "Zm9ydHktdHdvLWNoYXJhY3RlcnMtbm90");
        }
        HttpResponse<Buffer> rotated = gw.send(POST, WEBHOOKS + sub.getString("id") + "/rotate-secret", token, rotate);
        assertThat(rotated.statusCode()).as(scheme).isEqualTo(200);
        String current = rotated.bodyAsJsonObject().getJsonObject("data").getString("secret_key");
        ingestOrder("shop-rotation");
        Receiver.Received got = receiver.awaitCount(1, 10_000).get(0);
        String signature = scheme.equals("shopline") ? got.queryParams().get("sign") : got.header(switch (scheme) {
          case "standard" -> "webhook-signature";
          case "shopline-hmac" -> "x-shopline-hmac-sha256";
          case "omise" -> "omise-signature";
          default -> "x-signature";
        });
        assertThat(signature.split(separators.get(scheme))).as(scheme).hasSize(2);
        assertThat(NodeVerifier.verify(List.of(NodeVerifier.of(scheme, old, got), NodeVerifier.of(scheme, current, got))))
          .as(scheme).containsExactly(true, true);
      }
    }
  }

  @Test
  void pingTestEventsRetriesAndTheHistorySpeakTheSubscriptionsDialect() throws Exception {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("omise-ops-app");
      JsonObject sub = subscribe(token, receiver.url(), "omise", "customer.created");
      String id = sub.getString("id");
      String secret = sub.getString("secret_key");

      assertThat(gw.send(POST, WEBHOOKS + id + "/ping", token, null).bodyAsJsonObject().getJsonObject("data")
        .getBoolean("delivered")).isTrue();
      Receiver.Received ping = receiver.awaitCount(1, 10_000).get(0);
      assertThat(new JsonObject(ping.body()).getString("key")).isEqualTo("ping");
      assertThat(NodeVerifier.verifies(NodeVerifier.of("omise", secret, ping))).isTrue();

      // A test event named the way Omise names it.
      JsonObject test = gw.send(POST, WEBHOOKS + id + "/test", token, new JsonObject().put("event", "customer.create")
        .put("payload", new JsonObject().put("object", "customer"))).bodyAsJsonObject().getJsonObject("data");
      assertThat(test.getString("event")).isEqualTo("customer.created");
      Receiver.Received tested = receiver.awaitCount(2, 10_000).get(1);
      assertThat(new JsonObject(tested.body()).getString("key")).isEqualTo("customer.create");
      assertThat(NodeVerifier.verifies(NodeVerifier.of("omise", secret, tested))).isTrue();

      // A failed first attempt is retried with the same body, signed again.
      receiver.behave(r -> receiver.count() == 3 ? Reply.status(500) : Reply.status(200));
      gw.ingest(TestGateway.event("customer.created", new JsonObject().put("email", "a@example.com"))
        .put("id", "evt_omise_retry"));
      List<Receiver.Received> all = receiver.awaitCount(4, 10_000);
      assertThat(all.get(3).body()).isEqualTo(all.get(2).body());
      assertThat(NodeVerifier.verify(List.of(NodeVerifier.of("omise", secret, all.get(2)),
        NodeVerifier.of("omise", secret, all.get(3))))).containsExactly(true, true);

      String deliveryId = gw.event("evt_omise_retry").getJsonArray("deliveries").getJsonObject(0).getString("id");
      eventually(() -> succeeded(token, deliveryId), 10_000, "delivery recorded as a success");
      JsonObject delivery = delivery(token, deliveryId);
      assertThat(delivery.getJsonObject("payload").getString("key")).isEqualTo("customer.create");
      JsonArray history = delivery.getJsonArray("attempt_history");
      assertThat(history).hasSize(2);
      for (int i = 0; i < 2; i++) {
        JsonObject attempt = history.getJsonObject(i);
        assertThat(attempt.getJsonObject("request_body")).isEqualTo(new JsonObject(all.get(2 + i).body()));
        assertThat(attempt.getJsonObject("request_headers").getString("Omise-Signature"))
          .isEqualTo(all.get(2 + i).header("omise-signature"));
      }
    }
  }

  @Test
  void theHistoryShowsTheQueryThatCarriedTheSignature() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("shopline-history-app");
      subscribe(token, receiver.url(), "shopline", "order.created");
      String eventId = ingestOrder("shop-history");
      Receiver.Received got = receiver.awaitCount(1, 10_000).get(0);
      String deliveryId = gw.event(eventId).getJsonArray("deliveries").getJsonObject(0).getString("id");
      eventually(() -> succeeded(token, deliveryId), 10_000, "delivery recorded as a success");
      JsonObject attempt = delivery(token, deliveryId).getJsonArray("attempt_history").getJsonObject(0);
      assertThat(attempt.getString("request_query")).isEqualTo(got.query());
      assertThat(attempt.getJsonObject("request_body")).isEqualTo(new JsonObject(got.body()));
      assertThat(attempt.getJsonObject("request_headers").getString("X-Shopline-Developer-Event-Timestamp"))
        .isEqualTo(got.header("x-shopline-developer-event-timestamp"));
    }
  }

  /** A templated body repeats the payload: erasing the merchant's payloads takes it from the history too. */
  @Test
  void erasingAMerchantsPayloadsErasesTheBodiesItsDeliveriesSentInADialect() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("omise-erasure-app");
      String subscriptionId = subscribe(token, receiver.url(), "omise", "order.created").getString("id");
      String eventId = ingestOrder("shop-erased-dialect");
      receiver.awaitCount(1, 10_000);
      // The event also goes to the other tests' subscriptions of order.created: this one's delivery is the one.
      String deliveryId = gw.event(eventId).getJsonArray("deliveries").stream().map(JsonObject.class::cast)
        .filter(d -> subscriptionId.equals(d.getString("webhook_id"))).findFirst().orElseThrow().getString("id");
      eventually(() -> succeeded(token, deliveryId), 10_000, "delivery recorded as a success");
      assertThat(delivery(token, deliveryId).getJsonArray("attempt_history").getJsonObject(0)
        .getJsonObject("request_body").getString("object")).isEqualTo("event");

      String request = gw.admin(POST, "/api/v1/erasures", new JsonObject().put("merchant_id", "shop-erased-dialect"))
        .bodyAsJsonObject().getJsonObject("data").getString("id");
      eventually(() -> "done".equals(gw.admin(GET, "/api/v1/erasures/" + request, null).bodyAsJsonObject()
        .getJsonObject("data").getString("status")), 15_000, "the erasure to finish");
      JsonObject delivery = delivery(token, deliveryId);
      assertThat(delivery.getString("status")).isEqualTo("success");
      assertThat(delivery.getValue("payload")).isNull();
      JsonObject attempt = delivery.getJsonArray("attempt_history").getJsonObject(0);
      assertThat(attempt.getValue("request_body")).isNull();
      assertThat(attempt.getJsonObject("request_headers").getString("Omise-Signature")).isNotNull();
      assertThat(gw.count("SELECT count(*) FROM attempts WHERE delivery_id = $1::uuid AND request_body IS NOT NULL",
        deliveryId)).isZero();
    }
  }

  @Test
  void dialectFieldsAreCheckedAndRefusalsChangeNothing() {
    String token = gw.partnerToken("dialect-fields-app");
    long before = gw.count("SELECT count(*) FROM subscriptions");
    JsonObject base = new JsonObject().put("url", "http://127.0.0.1:9/hooks").put("events", new JsonArray().add("order.created"));
    assertInvalid(gw.send(POST, "/api/partner/v1/webhooks", token, base.copy().put("payload_format", "xml")), "payload_format");
    assertInvalid(gw.send(POST, "/api/partner/v1/webhooks", token, base.copy().put("signature_scheme", "md5")), "signature_scheme");
    // Omise signs with the base64-decoded secret: a secret that is not base64 cannot be used.
    assertInvalid(gw.send(POST, "/api/partner/v1/webhooks", token, base.copy().put("signature_scheme", "omise")
      .put("secret_key", "not base64 at all, not at all!")), "secret_key");
    assertInvalid(gw.send(POST, "/api/partner/v1/webhooks", token, base.copy().put("signature_scheme", "tiki")
      .put("secret_key", "thirty-one-characters-long-key!")), "secret_key");
    assertThat(gw.count("SELECT count(*) FROM subscriptions")).isEqualTo(before);

    JsonObject sub = gw.subscribe(token, base);
    String id = sub.getString("id");
    assertThat(sub.getString("payload_format")).isEqualTo("standard");
    assertThat(sub.getString("signature_scheme")).isEqualTo("standard");
    // Its whsec_ secret is not Tiki's 32 characters: moving to Tiki's scheme is refused until it is rotated.
    assertInvalid(gw.send(PATCH, WEBHOOKS + id, token, new JsonObject().put("signature_scheme", "tiki")), "signature_scheme");
    assertThat(gw.count("SELECT count(*) FROM subscriptions WHERE id = $1::uuid AND signature_scheme = 'standard'", id))
      .isEqualTo(1);
    JsonObject changed = gw.send(PATCH, WEBHOOKS + id, token, new JsonObject().put("payload_format", "data")
      .put("signature_scheme", "omise")).bodyAsJsonObject().getJsonObject("data");
    assertThat(changed.getString("payload_format")).isEqualTo("data");
    assertThat(changed.getString("signature_scheme")).isEqualTo("omise");
    JsonObject listed = gw.send(GET, "/api/partner/v1/webhooks", token, null).bodyAsJsonObject().getJsonArray("data")
      .getJsonObject(0);
    assertThat(listed.getString("payload_format")).isEqualTo("data");
    assertThat(listed.getString("signature_scheme")).isEqualTo("omise");
  }

  @Test
  void anApplicationsDefaultDialectAppliesToItsNewSubscriptions() {
    HttpResponse<Buffer> bad = gw.admin(POST, "/api/v1/applications", new JsonObject().put("name", "x")
      .put("signature_scheme", "nowhere"));
    assertInvalid(bad, "signature_scheme");
    JsonObject app = gw.createApplication("omise-default-app");
    String appId = app.getString("id");
    JsonObject updated = gw.admin(PATCH, "/api/v1/applications/" + appId, new JsonObject().put("signature_scheme", "omise"))
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(updated.getString("signature_scheme")).isEqualTo("omise");
    assertThat(updated.getString("payload_format")).isNull();
    JsonObject sub = gw.subscribe(gw.token(app, null), "http://127.0.0.1:9/hooks", "charge.create");
    assertThat(sub.getString("signature_scheme")).isEqualTo("omise");
    assertThat(sub.getString("payload_format")).isEqualTo("omise");
    assertThat(sub.getString("secret_key")).doesNotStartWith("whsec_");
    assertThat(Base64.getDecoder().decode(sub.getString("secret_key"))).hasSize(32);
  }

  @Test
  void eventTypesShowTheirAliases() {
    String token = gw.partnerToken("aliases-app");
    JsonArray types = gw.send(GET, "/api/partner/v1/event-types", token, null).bodyAsJsonObject().getJsonArray("data");
    JsonObject created = types.stream().map(JsonObject.class::cast).filter(t -> t.getString("name").equals("order.created"))
      .findFirst().orElseThrow();
    assertThat(created.getJsonObject("aliases").getString("shopline")).isEqualTo("order/create");
    HttpResponse<Buffer> clash = gw.admin(POST, "/api/v1/event-types", new JsonObject().put("name", "customer.create"));
    assertThat(clash.statusCode()).isEqualTo(409);
  }

  /** A delivery sent straight from ingest has no row until its first attempt is recorded. */
  private boolean succeeded(String token, String id) {
    JsonObject delivery = delivery(token, id);
    return delivery != null && "success".equals(delivery.getString("status"));
  }

  private JsonObject delivery(String token, String id) {
    return gw.send(GET, "/api/partner/v1/deliveries/" + id, token, null).bodyAsJsonObject().getJsonObject("data");
  }

  private static void assertInvalid(HttpResponse<Buffer> response, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(response.bodyAsJsonObject().getString("message")).contains(field);
  }
}
