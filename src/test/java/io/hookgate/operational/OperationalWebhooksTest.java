package io.hookgate.operational;

import com.standardwebhooks.Webhook;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hookgate's own events about its endpoints reach the platform's operational webhooks (every endpoint) and a
 * partner's (its own endpoints only), signed and recorded like any webhook; the platform cannot push them,
 * and `*` does not select them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperationalWebhooksTest {
  private static final String OPS = "/api/v1/operational-webhooks";

  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery(tree -> tree.getJsonObject("delivery")
    .getJsonObject("circuit-breaker").put("failure-threshold", 3).put("reset-timeout", "500ms")));

  private Receiver platform;
  private Receiver partnerOps;
  private Receiver otherPartner;
  private String platformSecret;
  private String partnerOpsSecret;
  private String token;
  private String otherSubscription;

  @BeforeAll
  void subscribe() {
    platform = Receiver.start(gw.vertx());
    partnerOps = Receiver.start(gw.vertx());
    otherPartner = Receiver.start(gw.vertx());
    HttpResponse<Buffer> created = gw.admin(POST, OPS, new JsonObject().put("url", platform.url())
      .put("events", new JsonArray().add("endpoint.*").add("delivery.exhausted")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    platformSecret = created.bodyAsJsonObject().getJsonObject("data").getString("secret_key");
    token = gw.partnerToken("ops-partner");
    partnerOpsSecret = gw.subscribe(token, partnerOps.url(), "endpoint.*", "delivery.*").getString("secret_key");
    // Another partner, listening to every operational event and to everything: it hears nothing of the first.
    otherSubscription = gw.subscribe(gw.partnerToken("ops-other"), otherPartner.url(), "endpoint.*", "delivery.*", "*")
      .getString("id");
  }

  /** The operational events of one subscription that a receiver got, verified with the secret it was given. */
  private static List<JsonObject> about(Receiver receiver, String secret, String type, String webhookId) {
    return receiver.received().stream()
      .map(r -> {
        try {
          new Webhook(secret).verify(r.body(), r.headers());
        } catch (Exception e) {
          throw new AssertionError("bad signature on " + r.body(), e);
        }
        return new JsonObject(r.body());
      })
      .filter(e -> e.getString("type").equals(type) && webhookId.equals(e.getJsonObject("data").getString("webhook_id")))
      .toList();
  }

  private void awaitEvent(String type, String webhookId) {
    Receiver.eventually(() -> !about(platform, platformSecret, type, webhookId).isEmpty()
        && !about(partnerOps, partnerOpsSecret, type, webhookId).isEmpty(), 15_000,
      type + " about " + webhookId + " at the platform and the partner");
  }

  @Test
  void anEndpointThatAnswers410IsReportedDisabledWithItsReason() {
    try (Receiver gone = Receiver.start(gw.vertx()).behave(r -> Receiver.Reply.status(410))) {
      String id = gw.subscribe(token, gone.url(), "order.created").getString("id");
      gw.ingest(TestGateway.event("order.created", new JsonObject()));
      awaitEvent("endpoint.disabled", id);
      JsonObject event = about(platform, platformSecret, "endpoint.disabled", id).get(0);
      assertThat(event.getJsonObject("data").getString("reason")).isEqualTo("The endpoint answered 410 Gone");
      assertThat(event.getJsonObject("data").getString("disabled_by")).isEqualTo("hookgate");
      assertThat(event.getJsonObject("data").getString("url")).isEqualTo(gone.url());
      // Stored and recorded like any event, for the platform's application and the partner's only.
      JsonObject stored = gw.event(event.getString("id"));
      assertThat(stored.getString("type")).isEqualTo("endpoint.disabled");
      assertThat(stored.getJsonArray("deliveries")).hasSize(2);

      // The partner turns it back on: endpoint.enabled; off again by hand: disabled by the partner.
      assertThat(gw.send(POST, "/api/partner/v1/webhooks/" + id + "/activate", token, null).statusCode()).isEqualTo(200);
      awaitEvent("endpoint.enabled", id);
      assertThat(gw.send(POST, "/api/partner/v1/webhooks/" + id + "/deactivate", token, null).statusCode()).isEqualTo(200);
      Receiver.eventually(() -> about(platform, platformSecret, "endpoint.disabled", id).stream()
        .anyMatch(e -> "partner".equals(e.getJsonObject("data").getString("disabled_by"))), 15_000, "disabled by the partner");
    }
    assertThat(gw.count("SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.subscription_id"
      + " = $1::uuid AND (e.type LIKE 'endpoint.%' OR e.type LIKE 'delivery.%')", otherSubscription))
      .as("another application's subscriptions hear nothing of this one's endpoints").isZero();
    assertThat(otherPartner.received()).noneMatch(r -> new JsonObject(r.body()).getString("type").startsWith("endpoint."));
  }

  @Test
  void aFailingEndpointReportsItsBreakerHealthAndExhaustedDeliveries() {
    AtomicInteger mode = new AtomicInteger(500);
    try (Receiver flaky = Receiver.start(gw.vertx()).behave(r -> Receiver.Reply.status(mode.get()))) {
      String id = gw.subscribe(token, flaky.url(), "customer.created").getString("id");
      String eventId = gw.ingest(TestGateway.event("customer.created", new JsonObject())).getString("id");
      awaitEvent("endpoint.failing", id);
      awaitEvent("endpoint.breaker_opened", id);
      awaitEvent("delivery.exhausted", id);
      JsonObject exhausted = about(partnerOps, partnerOpsSecret, "delivery.exhausted", id).get(0).getJsonObject("data");
      assertThat(exhausted.getString("event_id")).isEqualTo(eventId);
      assertThat(exhausted.getString("event_type")).isEqualTo("customer.created");
      assertThat(exhausted.getInteger("attempts")).isEqualTo(3);
      assertThat(exhausted.getInteger("last_status_code")).isEqualTo(500);
      assertThat(exhausted.getString("last_failure_reason")).isEqualTo("http_5xx");
      assertThat(exhausted.getString("delivery_id")).isNotBlank();

      // The endpoint recovers: the next event's probe closes the breaker.
      mode.set(200);
      gw.ingest(TestGateway.event("customer.created", new JsonObject()));
      awaitEvent("endpoint.breaker_closed", id);
      assertThat(about(platform, platformSecret, "endpoint.breaker_opened", id)).as("opened once per outage").hasSize(1);
    }
  }

  /** An operations endpoint that is down hears of its own deliveries' exhaustion never: no report about a report. */
  @Test
  void operationalEventsAreNotReportedAboutThemselves() {
    try (Receiver down = Receiver.start(gw.vertx()).behave(r -> Receiver.Reply.status(503));
         Receiver gone = Receiver.start(gw.vertx()).behave(r -> Receiver.Reply.status(410))) {
      String opsToken = gw.partnerToken("ops-down");
      String opsId = gw.subscribe(opsToken, down.url(), "endpoint.disabled", "delivery.exhausted").getString("id");
      String id = gw.subscribe(opsToken, gone.url(), "order.cancelled").getString("id");
      gw.ingest(TestGateway.event("order.cancelled", new JsonObject()));
      Receiver.eventually(() -> gw.count("SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id"
        + " WHERE d.subscription_id = $1::uuid AND e.type = 'endpoint.disabled' AND d.status = 'failed'", opsId) == 1,
        15_000, "the report to the down endpoint to be exhausted");
      assertThat(gw.count("SELECT count(*) FROM events WHERE type = 'delivery.exhausted' AND body::jsonb"
        + " -> 'data' ->> 'event_type' LIKE 'endpoint.%'")).isZero();
      assertThat(id).isNotBlank();
    }
  }

  @Test
  void thePlatformManagesItsOperationalWebhooksAndCannotPushThem() {
    HttpResponse<Buffer> business = gw.admin(POST, OPS, new JsonObject().put("url", "https://ops.example.com/h")
      .put("events", new JsonArray().add("order.created")));
    assertThat(business.statusCode()).isEqualTo(400);
    assertThat(business.bodyAsJsonObject().getString("message")).contains("events[0]").contains("operational");
    assertThat(gw.admin(POST, OPS, new JsonObject().put("url", "https://ops.example.com/h")
      .put("events", new JsonArray().add("*"))).statusCode()).isEqualTo(400);

    JsonObject created = gw.admin(POST, OPS, new JsonObject().put("url", "https://ops.example.com/h")
      .put("events", new JsonArray().add("endpoint.disabled"))).bodyAsJsonObject().getJsonObject("data");
    String id = created.getString("id");
    assertThat(created.getString("secret_key")).startsWith("whsec_");
    assertThat(gw.admin(GET, OPS, null).bodyAsJsonObject().getJsonArray("data").stream()
      .map(o -> ((JsonObject) o).getString("id"))).contains(id);
    HttpResponse<Buffer> patched = gw.admin(PATCH, OPS + "/" + id, new JsonObject().put("events",
      new JsonArray().add("endpoint.*")).put("description", "pager"));
    assertThat(patched.bodyAsJsonObject().getJsonObject("data").getJsonArray("events")).containsExactly("endpoint.*");
    assertThat(gw.admin(GET, OPS + "/" + id, null).bodyAsJsonObject().getJsonObject("data").getString("description"))
      .isEqualTo("pager");
    assertThat(gw.admin(POST, OPS + "/" + id + "/rotate-secret", new JsonObject()).bodyAsJsonObject()
      .getJsonObject("data").getString("secret_key")).startsWith("whsec_");
    // Not a partner's: another application cannot see it.
    assertThat(gw.send(GET, "/api/partner/v1/webhooks/" + id, token, null).statusCode()).isEqualTo(404);
    assertThat(gw.admin(DELETE, OPS + "/" + id, null).statusCode()).isEqualTo(204);
    assertThat(gw.admin(GET, OPS + "/" + id, null).statusCode()).isEqualTo(404);
    assertThat(gw.admin(DELETE, "/api/v1/applications/00000000-0000-4000-8000-000000000001", null).statusCode())
      .isEqualTo(409);

    HttpResponse<Buffer> pushed = gw.admin(POST, "/api/v1/events", TestGateway.event("endpoint.disabled", new JsonObject()));
    assertThat(pushed.statusCode()).isEqualTo(400);
    assertThat(pushed.bodyAsJsonObject().getString("message")).contains("emitted by Hookgate itself");

    JsonArray types = gw.admin(GET, "/api/v1/event-types?group=endpoint", null).bodyAsJsonObject().getJsonArray("data");
    assertThat(types.stream().map(t -> ((JsonObject) t).getString("name"))).contains("endpoint.disabled",
      "endpoint.enabled", "endpoint.breaker_opened", "endpoint.breaker_closed", "endpoint.failing");
  }
}
