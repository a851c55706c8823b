package io.hookgate.retention;

import io.hookgate.support.Receiver.Reply;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A merchant's payloads erased on request: its events and their attempts' recorded answers, nobody
 * else's; the deliveries stay in the history without them, and what was not sent yet never is.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErasureTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery(tree -> tree.getJsonObject("delivery")
    .put("retry-schedule", new JsonArray().add("0s").add("1h"))));
  private Receiver receiver;
  private String token;
  private String later;

  @BeforeAll
  void start() {
    receiver = Receiver.start(gw.vertx());
    receiver.behave(r -> r.path().endsWith("/down") ? Reply.status(503).withBody("down for " + r.body())
      : Reply.status(200).withBody("thanks for " + r.body()));
    token = gw.partnerToken("erasure-app");
    gw.subscribe(token, receiver.url() + "/up", "customer.created");
    later = gw.subscribe(token, receiver.url() + "/down", "customer.created").getString("id");
  }

  @AfterAll
  void stop() {
    receiver.close();
  }

  @Test
  void aMerchantsPayloadsAreErasedAndNoOneElses() {
    List<String> erased = ingest("shop-erased", 7);
    List<String> kept = ingest("shop-kept", 3);
    String[] all = new ArrayList<String>() {{ addAll(erased); addAll(kept); }}.toArray(String[]::new);
    eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE event_id = ANY($1) AND attempts = 1", (Object) all)
      == 20, 10_000, "every first attempt");

    HttpResponse<Buffer> accepted = gw.admin(HttpMethod.POST, "/api/v1/erasures",
      new JsonObject().put("merchant_id", "shop-erased"));
    assertThat(accepted.statusCode()).isEqualTo(202);
    String request = accepted.bodyAsJsonObject().getJsonObject("data").getString("id");
    eventually(() -> "done".equals(erasure(request).getString("status")), 15_000, "the erasure to finish");
    JsonObject done = erasure(request);
    assertThat(done.getLong("events_erased")).isEqualTo(7);
    assertThat(done.getLong("attempts_erased")).isEqualTo(14);
    assertThat(done.getLong("deliveries_stopped")).isEqualTo(7);

    for (String id : erased) {
      JsonObject event = gw.event(id);
      assertThat(event.getValue("data")).isNull();
      assertThat(event.getString("erased_at")).isNotNull();
      // Still in the history, without the payload; the one still retrying will not be sent again.
      assertThat(event.getJsonArray("deliveries")).hasSize(2);
      for (Object d : event.getJsonArray("deliveries")) {
        JsonObject delivery = partnerDelivery(((JsonObject) d).getString("id"));
        assertThat(delivery.getValue("payload")).isNull();
        assertThat(delivery.getJsonObject("response").getValue("body")).isNull();
        if (delivery.getString("webhook_id").equals(later)) {
          assertThat(delivery.getString("status")).isEqualTo("failed");
          assertThat(delivery.getString("failure_reason")).isEqualTo("payload_erased");
        }
      }
    }
    for (String id : kept) {
      JsonObject event = gw.event(id);
      assertThat(event.getJsonObject("data").getString("email")).endsWith("@shop-kept.example");
      for (Object d : event.getJsonArray("deliveries")) {
        JsonObject delivery = partnerDelivery(((JsonObject) d).getString("id"));
        assertThat(delivery.getJsonObject("payload")).isNotNull();
        assertThat(delivery.getJsonObject("response").getString("body")).contains(id);
        if (delivery.getString("webhook_id").equals(later)) {
          assertThat(delivery.getString("status")).isEqualTo("retrying");
        }
      }
    }
    assertThat(gw.count("SELECT count(*) FROM attempts WHERE response_body LIKE '%shop-erased%'")).isZero();
  }

  @Test
  void anErasedDeliveryIsNeverSentAgain() {
    String event = ingest("shop-retried", 1).get(0);
    eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE event_id = $1 AND attempts = 1", event) == 2,
      10_000, "both first attempts");
    String request = gw.admin(HttpMethod.POST, "/api/v1/erasures", new JsonObject().put("merchant_id", "shop-retried"))
      .bodyAsJsonObject().getJsonObject("data").getString("id");
    eventually(() -> "done".equals(erasure(request).getString("status")), 15_000, "the erasure to finish");
    String delivered = gw.query("SELECT id::text FROM deliveries WHERE event_id = $1 AND status = 'success'", event)
      .iterator().next().getString(0);
    long sentBefore = receiver.count();

    // Asked for by its partner: refused before it is claimed, so it stays as it was.
    HttpResponse<Buffer> retried = gw.send(HttpMethod.POST, "/api/partner/v1/deliveries/" + delivered + "/retry", token, null);
    assertThat(retried.statusCode()).isEqualTo(409);
    assertThat(retried.bodyAsJsonObject().getString("error")).isEqualTo("conflict");
    assertThat(retried.bodyAsJsonObject().getString("message")).contains("erased");
    assertThat(partnerDelivery(delivered).getString("status")).isEqualTo("success");
    assertThat(gw.admin(HttpMethod.POST, "/api/v1/deliveries/" + delivered + "/retry", null).statusCode()).isEqualTo(409);

    // Queued before the erasure reached it (a recovery, a retry in flight): the scheduler finds nothing to
    // send and fails it as the erasure would have.
    gw.query("UPDATE deliveries SET status = 'retrying', next_attempt_at = now(), lease_owner = NULL WHERE id = $1::uuid",
      delivered);
    eventually(() -> "failed".equals(partnerDelivery(delivered).getString("status")), 10_000, "the scheduler to fail it");
    assertThat(partnerDelivery(delivered).getString("failure_reason")).isEqualTo("payload_erased");
    assertThat(gw.count("SELECT count(*) FROM deliveries WHERE event_id = $1 AND attempts > 1", event)).isZero();
    assertThat(receiver.count()).isEqualTo(sentBefore);
  }

  @Test
  void aRangeErasesOnlyWhatWasReceivedWithinIt() {
    List<String> events = ingest("shop-ranged", 2);
    String before = gw.event(events.get(0)).getString("received_at");
    JsonObject request = gw.admin(HttpMethod.POST, "/api/v1/erasures", new JsonObject().put("merchant_id", "shop-ranged")
      .put("until", before)).bodyAsJsonObject().getJsonObject("data");
    eventually(() -> "done".equals(erasure(request.getString("id")).getString("status")), 15_000, "the erasure to finish");
    assertThat(erasure(request.getString("id")).getLong("events_erased")).isZero();
    assertThat(gw.event(events.get(0)).getJsonObject("data")).isNotNull();
  }

  @Test
  void badRequestsChangeNothing() {
    long before = gw.count("SELECT count(*) FROM erasures");
    assertThat(gw.admin(HttpMethod.POST, "/api/v1/erasures", new JsonObject()).statusCode()).isEqualTo(400);
    assertThat(gw.admin(HttpMethod.POST, "/api/v1/erasures", new JsonObject().put("merchant_id", "")).statusCode())
      .isEqualTo(400);
    assertThat(gw.admin(HttpMethod.POST, "/api/v1/erasures", new JsonObject().put("merchant_id", "m")
      .put("from", "2026-02-01T00:00:00Z").put("until", "2026-01-01T00:00:00Z")).statusCode()).isEqualTo(400);
    assertThat(gw.admin(HttpMethod.POST, "/api/v1/erasures", new JsonObject().put("merchant_id", "m")
      .put("until", "yesterday")).statusCode()).isEqualTo(400);
    assertThat(gw.send(HttpMethod.POST, "/api/v1/erasures", token, new JsonObject().put("merchant_id", "m")).statusCode())
      .isEqualTo(401);
    assertThat(gw.admin(HttpMethod.GET, "/api/v1/erasures/" + UUID.randomUUID(), null).statusCode()).isEqualTo(404);
    assertThat(gw.count("SELECT count(*) FROM erasures")).isEqualTo(before);
  }

  private List<String> ingest(String merchant, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(gw.ingest(TestGateway.event("customer.created", new JsonObject()
          .put("email", "customer" + i + "@" + merchant + ".example")).put("merchant_id", merchant))
        .getString("id"));
    }
    return ids;
  }

  private JsonObject erasure(String id) {
    return gw.admin(HttpMethod.GET, "/api/v1/erasures/" + id, null).bodyAsJsonObject().getJsonObject("data");
  }

  private JsonObject partnerDelivery(String id) {
    return gw.send(HttpMethod.GET, "/api/partner/v1/deliveries/" + id, token, null).bodyAsJsonObject()
      .getJsonObject("data");
  }
}
