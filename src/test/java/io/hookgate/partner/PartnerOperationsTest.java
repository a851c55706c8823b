package io.hookgate.partner;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.UUID;

import static io.hookgate.support.Receiver.Reply;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Ping, test events and secret rotation, with the shapes of seeds 000 and 002. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartnerOperationsTest {
  private static final String WEBHOOKS = "/api/partner/v1/webhooks/";
  private static final JsonObject NOT_ACTIVE = new JsonObject().put("error", "invalid_request")
    .put("message", "Webhook subscription is not active");
  private static final JsonObject NOT_FOUND = new JsonObject().put("error", "not_found")
    .put("message", "Webhook subscription not found");

  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery());
  private Receiver receiver;

  @BeforeAll
  void start() {
    receiver = Receiver.start(gw.vertx());
  }

  @AfterAll
  void stop() {
    receiver.close();
  }

  private static void assertBody(HttpResponse<Buffer> response, int status, JsonObject body) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.bodyAsJsonObject()).isEqualTo(body);
  }

  @Test
  void pingReportsWhatTheEndpointAnswered() throws Exception {
    try (Receiver r = Receiver.start(gw.vertx())) {
      JsonObject app = gw.createApplication("ping-app");
      String token = gw.token(app, "read:webhooks write:webhooks");
      JsonObject sub = gw.subscribe(token, r.url(), "order.created");
      String id = sub.getString("id");

      HttpResponse<Buffer> ok = gw.send(POST, WEBHOOKS + id + "/ping", gw.token(app, "read:webhooks"), null);
      assertBody(ok, 200, new JsonObject().put("data", new JsonObject().put("webhook_id", id).put("delivered", true)
        .put("response_status", 200).put("response_body", "ok")));
      Receiver.Received ping = r.received().get(0);
      new Webhook(sub.getString("secret_key")).verify(ping.body(), ping.headers());
      JsonObject envelope = new JsonObject(ping.body());
      assertThat(envelope.getString("type")).isEqualTo("ping");
      assertThat(envelope.fieldNames()).containsExactlyInAnyOrder("id", "type", "created_at", "merchant_id", "livemode", "data");

      r.behave(x -> Reply.status(500).withBody("broken"));
      assertBody(gw.send(POST, WEBHOOKS + id + "/ping", token, null), 200, new JsonObject().put("data", new JsonObject()
        .put("webhook_id", id).put("delivered", false).put("response_status", 500).put("response_body", "broken")));

      String dead = gw.subscribe(token, "http://127.0.0.1:9/none", "order.created").getString("id");
      JsonObject unreachable = gw.send(POST, WEBHOOKS + dead + "/ping", token, null).bodyAsJsonObject().getJsonObject("data");
      assertThat(unreachable.getBoolean("delivered")).isFalse();
      assertThat(unreachable.containsKey("response_status")).isTrue();
      assertThat(unreachable.getValue("response_status")).isNull();
      assertThat(unreachable.getValue("response_body")).isNull();

      assertThat(gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1", UUID.fromString(id))).isZero();
    }
  }

  @Test
  void pingAndTestRefuseInactiveMissingAndForeignSubscriptions() {
    String token = gw.partnerToken("inactive-app");
    String other = gw.partnerToken("foreign-app");
    String paused = gw.subscribe(token, receiver.url(), "order.created").getString("id");
    String disabled = gw.subscribe(token, receiver.url(), "order.created").getString("id");
    gw.send(POST, WEBHOOKS + paused + "/pause", token, null);
    gw.send(POST, WEBHOOKS + disabled + "/deactivate", token, null);
    JsonObject test = new JsonObject().put("event", "order.created").put("payload", new JsonObject());
    for (String id : List.of(paused, disabled)) {
      assertBody(gw.send(POST, WEBHOOKS + id + "/ping", token, null), 400, NOT_ACTIVE);
      assertBody(gw.send(POST, WEBHOOKS + id + "/test", token, test), 400, NOT_ACTIVE);
    }
    for (String id : List.of(paused, UUID.randomUUID().toString(), "not-a-uuid")) {
      assertBody(gw.send(POST, WEBHOOKS + id + "/ping", other, null), 404, NOT_FOUND);
      assertBody(gw.send(POST, WEBHOOKS + id + "/test", other, test), 404, NOT_FOUND);
    }
    HttpResponse<Buffer> writeOnly = gw.send(POST, WEBHOOKS + paused + "/ping",
      gw.token(gw.createApplication("write-only-app"), "write:webhooks"), null);
    assertThat(writeOnly.statusCode()).isEqualTo(403);
  }

  @Test
  void aTestEventIsSignedDeliveredAndKeptAsATest() throws Exception {
    try (Receiver r = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("test-app");
      JsonObject sub = gw.subscribe(token, r.url(), "order.created");
      String id = sub.getString("id");
      JsonObject payload = new JsonObject().put("order_id", "test-123").put("total_amount", 1000000);
      HttpResponse<Buffer> response = gw.send(POST, WEBHOOKS + id + "/test", token,
        new JsonObject().put("event", "order.created").put("payload", payload));
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      JsonObject result = response.bodyAsJsonObject().getJsonObject("data");
      assertThat(result.getString("status")).isEqualTo("success");
      assertThat(result.getValue("failure_reason")).isNull();
      assertThat(result.getInteger("response_status")).isEqualTo(200);
      assertThat(result.getInteger("duration_ms")).isNotNegative();

      Receiver.Received got = r.received().get(0);
      new Webhook(sub.getString("secret_key")).verify(got.body(), got.headers());
      assertThat(new JsonObject(got.body()).getJsonObject("data")).isEqualTo(payload);
      assertThat(new JsonObject(got.body()).getBoolean("livemode")).isFalse();

      JsonObject inHistory = gw.send(GET, "/api/partner/v1/deliveries/" + result.getString("id"), token, null)
        .bodyAsJsonObject().getJsonObject("data");
      assertThat(inHistory.getBoolean("is_test")).isTrue();
      assertThat(inHistory.getString("status")).isEqualTo("success");
      assertThat(inHistory.getJsonArray("attempt_history")).hasSize(1);

      r.behave(x -> Reply.status(422).withBody("nope"));
      JsonObject failed = gw.send(POST, WEBHOOKS + id + "/test", token, new JsonObject().put("event", "order.created"))
        .bodyAsJsonObject().getJsonObject("data");
      assertThat(failed.getString("status")).isEqualTo("failed");
      assertThat(failed.getString("failure_reason")).isEqualTo("http_4xx");
      assertThat(failed.getString("response_body")).isEqualTo("nope");
      // Tests neither count toward health nor retry.
      assertThat(gw.count("SELECT consecutive_exhausted FROM subscriptions WHERE id = $1", UUID.fromString(id))).isZero();
      assertThat(gw.count("SELECT count(*) FROM delivery_stats_hourly WHERE subscription_id = $1", UUID.fromString(id))).isZero();

      long before = gw.count("SELECT count(*) FROM deliveries");
      for (JsonObject bad : List.of(new JsonObject(), new JsonObject().put("event", "order.exploded"),
        new JsonObject().put("event", "order.created").put("payload", "text"), new JsonObject().put("event", 5))) {
        HttpResponse<Buffer> rejected = gw.send(POST, WEBHOOKS + id + "/test", token, bad);
        assertThat(rejected.statusCode()).as(bad.encode()).isEqualTo(400);
        assertThat(rejected.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
      }
      assertThat(gw.count("SELECT count(*) FROM deliveries")).isEqualTo(before);
    }
  }

  @Test
  void rotationSignsWithBothSecretsDuringTheGracePeriod() throws Exception {
    try (Receiver r = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("rotate-app");
      JsonObject sub = gw.subscribe(token, r.url(), "customer.created");
      String id = sub.getString("id");
      String oldSecret = sub.getString("secret_key");

      HttpResponse<Buffer> rotated = gw.send(POST, WEBHOOKS + id + "/rotate-secret", token, null);
      assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(200);
      JsonObject data = rotated.bodyAsJsonObject().getJsonObject("data");
      String newSecret = data.getString("secret_key");
      assertThat(newSecret).startsWith("whsec_").isNotEqualTo(oldSecret);
      assertThat(data.getString("previous_secret_expires_at")).isNotNull();
      assertThat(gw.send(GET, WEBHOOKS + id, token, null).bodyAsString()).doesNotContain(newSecret);

      gw.ingest(TestGateway.event("customer.created", new JsonObject()).put("application_ids",
        new JsonArray().add(applicationOf(id))));
      Receiver.Received got = r.awaitCount(1, 10_000).get(0);
      assertThat(got.header("webhook-signature").split(" ")).hasSize(2);
      new Webhook(oldSecret).verify(got.body(), got.headers());
      new Webhook(newSecret).verify(got.body(), got.headers());

      String own = "tiki-style-key-0123456789abcdefXY";
      JsonObject second = gw.send(POST, WEBHOOKS + id + "/rotate-secret", token,
        new JsonObject().put("grace_period_seconds", 0).put("secret_key", own)).bodyAsJsonObject().getJsonObject("data");
      assertThat(second.getString("secret_key")).isEqualTo(own);
      assertThat(second.getValue("previous_secret_expires_at")).isNull();
      gw.ingest(TestGateway.event("customer.created", new JsonObject()).put("application_ids",
        new JsonArray().add(applicationOf(id))));
      Receiver.Received after = r.awaitCount(2, 10_000).get(1);
      new Webhook(own.getBytes(java.nio.charset.StandardCharsets.UTF_8)).verify(after.body(), after.headers());
      // A rotation with no grace period (after a leak) ends every older secret at once, including the first one
      // whose grace period was still running.
      assertThat(after.header("webhook-signature").split(" ")).hasSize(1);
      assertThatThrownBy(() -> new Webhook(oldSecret).verify(after.body(), after.headers()))
        .isInstanceOf(WebhookVerificationException.class);
      assertThatThrownBy(() -> new Webhook(newSecret).verify(after.body(), after.headers()))
        .isInstanceOf(WebhookVerificationException.class);

      for (JsonObject bad : List.of(new JsonObject().put("grace_period_seconds", -1),
        new JsonObject().put("grace_period_seconds", 999_999_999), new JsonObject().put("grace_period_seconds", "1h"),
        new JsonObject().put("secret_key", "short"))) {
        assertThat(gw.send(POST, WEBHOOKS + id + "/rotate-secret", token, bad).statusCode()).as(bad.encode()).isEqualTo(400);
      }
      assertBody(gw.send(POST, WEBHOOKS + id + "/rotate-secret", gw.partnerToken("thief-app"), null), 404, NOT_FOUND);
      // The grace-0 rotation removed both rotated-out secrets; the refused rotations added none.
      assertThat(gw.count("SELECT count(*) FROM subscription_old_secrets WHERE subscription_id = $1", UUID.fromString(id)))
        .isZero();
    }
  }

  @Test
  void activateDeactivatePauseResume() {
    try (Receiver r = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("status-app");
      String id = gw.subscribe(token, r.url(), "product.deleted").getString("id");
      assertThat(status(gw.send(POST, WEBHOOKS + id + "/deactivate", token, null))).isEqualTo("DISABLED");
      assertThat(status(gw.send(POST, WEBHOOKS + id + "/activate", token, null))).isEqualTo("ACTIVE");
      assertThat(status(gw.send(POST, WEBHOOKS + id + "/pause", token, null))).isEqualTo("PAUSED");
      gw.ingest(TestGateway.event("product.deleted", new JsonObject()).put("application_ids", new JsonArray().add(applicationOf(id))));
      gw.ingest(TestGateway.event("product.deleted", new JsonObject()).put("application_ids", new JsonArray().add(applicationOf(id))));
      assertThat(r.count()).isZero();
      JsonObject resumed = gw.send(POST, WEBHOOKS + id + "/resume", token, null).bodyAsJsonObject().getJsonObject("data");
      assertThat(resumed.getBoolean("is_active")).isTrue();
      r.awaitCount(2, 10_000);
      assertBody(gw.send(POST, WEBHOOKS + UUID.randomUUID() + "/pause", token, null), 404, NOT_FOUND);
      String intruder = gw.partnerToken("status-intruder-app");
      for (String verb : List.of("activate", "deactivate", "pause", "resume")) {
        assertBody(gw.send(POST, WEBHOOKS + id + "/" + verb, intruder, null), 404, NOT_FOUND);
      }
      assertThat(status(gw.send(io.vertx.core.http.HttpMethod.GET, WEBHOOKS + id, token, null))).isEqualTo("ACTIVE");
      assertThat(gw.send(POST, WEBHOOKS + id + "/pause", gw.token(gw.createApplication("ro-app"), "read:webhooks"), null)
        .statusCode()).isEqualTo(403);
    }
  }

  private String applicationOf(String subscriptionId) {
    return gw.query("SELECT application_id FROM subscriptions WHERE id = $1", UUID.fromString(subscriptionId))
      .iterator().next().getUUID(0).toString();
  }

  private static String status(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getJsonObject("data").getString("status");
  }
}
