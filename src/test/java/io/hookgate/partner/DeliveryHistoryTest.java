package io.hookgate.partner;

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

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

/** Delivery history: listing, filters, pages and cursors, detail, retry, clear and recover; tenant isolation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryHistoryTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery());
  private Receiver receiver;
  private final AtomicBoolean failing = new AtomicBoolean();
  private String token;
  private String otherToken;
  private String orders;
  private String customers;
  private final List<String> orderEvents = new ArrayList<>();

  @BeforeAll
  void start() {
    receiver = Receiver.start(gw.vertx());
    receiver.behave(r -> failing.get() || r.path().endsWith("/customers") ? Reply.status(500).withBody("down") : Reply.status(200));
    token = gw.partnerToken("history-app");
    otherToken = gw.partnerToken("history-other-app");
    orders = gw.subscribe(token, receiver.url(), "order.created").getString("id");
    customers = gw.subscribe(token, receiver.url().replace("/hooks", "/customers"), "customer.created").getString("id");
    gw.subscribe(otherToken, receiver.url(), "order.created");
    for (int i = 0; i < 7; i++) {
      orderEvents.add(gw.ingest(TestGateway.event("order.created", new JsonObject().put("i", i))).getString("id"));
    }
    for (int i = 0; i < 3; i++) {
      gw.ingest(TestGateway.event("customer.created", new JsonObject().put("i", i)));
    }
    // 7 orders to two subscriptions, 3 customers to one (a delivery's row appears with its first attempt).
    eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE status IN ('success', 'failed')") == 17, 15_000,
      "every delivery to finish");
  }

  @AfterAll
  void stop() {
    receiver.close();
  }

  private JsonObject list(String query) {
    HttpResponse<Buffer> response = gw.send(GET, "/api/partner/v1/deliveries" + query, token, null);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  @Test
  void listingFiltersByWebhookStatusEventAndDate() {
    assertThat(list("?webhook_id=" + orders).getJsonArray("data")).hasSize(7);
    assertThat(list("?webhook_id=" + orders + "&status=success").getJsonObject("pagination").getLong("total")).isEqualTo(7);
    JsonArray failed = list("?status=failed&webhook_id=" + customers).getJsonArray("data");
    assertThat(failed).hasSize(3).allSatisfy(d -> {
      JsonObject delivery = (JsonObject) d;
      assertThat(delivery.getString("webhook_id")).isEqualTo(customers);
      assertThat(delivery.getString("failure_reason")).isEqualTo("http_5xx");
      assertThat(delivery.getJsonObject("response").getInteger("status_code")).isEqualTo(500);
      assertThat(delivery.getJsonObject("response").getString("body")).isEqualTo("down");
    });
    assertThat(list("?event=customer.created&webhook_id=" + customers).getJsonArray("data")).hasSize(3);
    assertThat(list("?event=order.created&webhook_id=" + customers).getJsonArray("data")).isEmpty();
    assertThat(list("?status=pending&webhook_id=" + orders).getJsonArray("data")).isEmpty();
    String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
    assertThat(list("?webhook_id=" + orders + "&from_date=" + today + "&to_date=" + today).getJsonObject("pagination")
      .getLong("total")).isEqualTo(7);
    assertThat(list("?webhook_id=" + orders + "&to_date=2000-01-01").getJsonArray("data")).isEmpty();

    JsonObject first = list("?webhook_id=" + orders + "&page_size=1").getJsonArray("data").getJsonObject(0);
    assertThat(first.fieldNames()).contains("id", "webhook_id", "event", "payload", "response", "status", "failure_reason",
      "created_at", "duration_ms");
    assertThat(first.getString("event")).isEqualTo("order.created");
    assertThat(first.getJsonObject("payload").getString("type")).isEqualTo("order.created");
    assertThat(first.getString("event_id")).isEqualTo(orderEvents.get(6));

    for (String bad : List.of("?status=lost", "?webhook_id=nope", "?from_date=yesterday", "?page_size=0", "?cursor=garbage")) {
      HttpResponse<Buffer> response = gw.send(GET, "/api/partner/v1/deliveries" + bad, token, null);
      assertThat(response.statusCode()).as(bad).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    }
  }

  @Test
  void pagesAndCursorsWalkTheSameHistory() {
    Set<String> byPages = new HashSet<>();
    for (int page = 1; page <= 4; page++) {
      JsonObject body = list("?webhook_id=" + orders + "&page_size=2&page_number=" + page);
      body.getJsonArray("data").forEach(d -> byPages.add(((JsonObject) d).getString("id")));
      assertThat(body.getJsonObject("pagination").getLong("total")).isEqualTo(7);
    }
    List<String> byCursor = new ArrayList<>();
    String cursor = "";
    do {
      JsonObject body = list("?webhook_id=" + orders + "&page_size=3&cursor=" + cursor);
      body.getJsonArray("data").forEach(d -> byCursor.add(((JsonObject) d).getString("id")));
      cursor = body.getJsonObject("pagination").getString("next_cursor");
    } while (cursor != null);
    assertThat(byPages).hasSize(7);
    assertThat(byCursor).hasSize(7).doesNotHaveDuplicates();
    assertThat(new HashSet<>(byCursor)).isEqualTo(byPages);
  }

  @Test
  void oneDeliveryShowsEveryAttempt() {
    String failedId = list("?webhook_id=" + customers + "&page_size=1").getJsonArray("data").getJsonObject(0).getString("id");
    JsonObject detail = gw.send(GET, "/api/partner/v1/deliveries/" + failedId, token, null).bodyAsJsonObject().getJsonObject("data");
    assertThat(detail.getString("status")).isEqualTo("failed");
    assertThat(detail.getInteger("attempts")).isEqualTo(3);
    JsonArray history = detail.getJsonArray("attempt_history");
    assertThat(history).hasSize(3);
    JsonObject attempt = history.getJsonObject(0);
    assertThat(attempt.getInteger("attempt")).isEqualTo(1);
    assertThat(attempt.getJsonObject("request_headers").getString("webhook-id")).isEqualTo(detail.getString("event_id"));
    assertThat(attempt.getJsonObject("response").getInteger("status_code")).isEqualTo(500);
    assertThat(attempt.getJsonObject("response").getJsonObject("headers")).isNotNull();
    assertThat(attempt.getString("failure_reason")).isEqualTo("http_5xx");
    assertThat(attempt.getInteger("duration_ms")).isNotNegative();
  }

  @Test
  void anotherApplicationSeesNothingAndThePlatformSeesAll() {
    String mine = list("?page_size=1").getJsonArray("data").getJsonObject(0).getString("id");
    HttpResponse<Buffer> foreign = gw.send(GET, "/api/partner/v1/deliveries/" + mine, otherToken, null);
    assertThat(foreign.statusCode()).isEqualTo(404);
    assertThat(foreign.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    assertThat(gw.send(POST, "/api/partner/v1/deliveries/" + mine + "/retry", otherToken, null).statusCode()).isEqualTo(404);
    JsonArray theirs = gw.send(GET, "/api/partner/v1/deliveries?webhook_id=" + orders, otherToken, null)
      .bodyAsJsonObject().getJsonArray("data");
    assertThat(theirs).isEmpty();
    assertThat(gw.send(DELETE, "/api/partner/v1/webhooks/" + orders + "/deliveries", otherToken, null).statusCode()).isEqualTo(404);
    assertThat(gw.send(POST, "/api/partner/v1/webhooks/" + orders + "/recover", otherToken,
      new JsonObject().put("since", "2020-01-01")).statusCode()).isEqualTo(404);
    assertThat(gw.send(GET, "/api/partner/v1/webhooks/" + orders + "/stats", otherToken, null).statusCode()).isEqualTo(404);

    JsonObject all = gw.admin(GET, "/api/v1/deliveries?page_size=100", null).bodyAsJsonObject();
    assertThat(all.getJsonObject("pagination").getLong("total")).isGreaterThanOrEqualTo(17);
    assertThat(gw.admin(GET, "/api/v1/deliveries/" + mine, null).statusCode()).isEqualTo(200);
    String app = gw.query("SELECT application_id FROM subscriptions WHERE id = $1", UUID.fromString(orders)).iterator().next()
      .getUUID(0).toString();
    String otherApp = gw.query("SELECT application_id FROM subscriptions WHERE url = $1 AND application_id <> $2",
      receiver.url(), UUID.fromString(app)).iterator().next().getUUID(0).toString();
    assertThat(gw.admin(GET, "/api/v1/deliveries?application_id=" + otherApp, null).bodyAsJsonObject()
      .getJsonObject("pagination").getLong("total")).isEqualTo(7);
    assertThat(gw.admin(GET, "/api/v1/webhooks?application_id=" + otherApp, null).bodyAsJsonObject().getJsonArray("data")).hasSize(1);
    assertThat(gw.admin(GET, "/api/v1/webhooks/" + orders, null).bodyAsJsonObject().getJsonObject("data")
      .getString("application_id")).isEqualTo(app);
    assertThat(gw.send(GET, "/api/v1/deliveries", token, null).statusCode()).isEqualTo(401);
  }

  @Test
  void retryMakesANewAttemptNowAlsoForFailedDeliveries() {
    String sub = gw.subscribe(token, receiver.url().replace("/hooks", "/retry-me"), "refund.create").getString("id");
    failing.set(true);
    String event = gw.ingest(TestGateway.event("refund.create", new JsonObject()).put("application_ids",
      new JsonArray().add(gw.query("SELECT application_id FROM subscriptions WHERE id = $1", UUID.fromString(sub))
        .iterator().next().getUUID(0).toString()))).getString("id");
    eventually(() -> "failed".equals(deliveryOf(event).getString("status")), 10_000, "the delivery to fail");
    failing.set(false);
    String id = deliveryOf(event).getString("id");
    HttpResponse<Buffer> retried = gw.send(POST, "/api/partner/v1/deliveries/" + id + "/retry", token, null);
    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(202);
    eventually(() -> "success".equals(deliveryOf(event).getString("status")), 10_000, "the retry to succeed");
    assertThat(deliveryOf(event).getInteger("attempts")).isEqualTo(4);

    gw.send(POST, "/api/partner/v1/webhooks/" + sub + "/pause", token, null);
    HttpResponse<Buffer> paused = gw.send(POST, "/api/partner/v1/deliveries/" + id + "/retry", token, null);
    assertThat(paused.statusCode()).isEqualTo(400);
    assertThat(paused.bodyAsJsonObject().getString("message")).isEqualTo("Webhook subscription is not active");
    gw.send(POST, "/api/partner/v1/webhooks/" + sub + "/resume", token, null);
    assertThat(gw.send(POST, "/api/partner/v1/deliveries/" + UUID.randomUUID() + "/retry", token, null).statusCode()).isEqualTo(404);
  }

  private JsonObject deliveryOf(String eventId) {
    return gw.event(eventId).getJsonArray("deliveries").getJsonObject(0);
  }

  @Test
  void clearDeletesOnlyWhatItNames() {
    String sub = gw.subscribe(token, receiver.url().replace("/hooks", "/customers"), "loyalty.points_redeemed").getString("id");
    String okSub = gw.subscribe(token, receiver.url(), "loyalty.points_redeemed").getString("id");
    for (int i = 0; i < 4; i++) {
      gw.ingest(TestGateway.event("loyalty.points_redeemed", new JsonObject()));
    }
    eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'failed'",
      UUID.fromString(sub)) == 4, 15_000, "failures");
    eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'success'",
      UUID.fromString(okSub)) == 4, 15_000, "successes");

    JsonObject none = gw.send(DELETE, "/api/partner/v1/webhooks/" + sub + "/deliveries?before_date=2000-01-01", token, null)
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(none.getLong("deleted_count")).isZero();
    JsonObject onlySuccess = gw.send(DELETE, "/api/partner/v1/webhooks/" + sub + "/deliveries?status=success", token, null)
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(onlySuccess.getLong("deleted_count")).isZero();
    JsonObject cleared = gw.send(DELETE, "/api/partner/v1/webhooks/" + sub + "/deliveries?status=failed", token, null)
      .bodyAsJsonObject().getJsonObject("data");
    assertThat(cleared.getLong("deleted_count")).isEqualTo(4);
    assertThat(gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1", UUID.fromString(sub))).isZero();
    assertThat(gw.count("SELECT count(*) FROM attempts WHERE subscription_id = $1", UUID.fromString(sub))).isZero();
    assertThat(gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1", UUID.fromString(okSub))).isEqualTo(4);
    assertThat(gw.send(DELETE, "/api/partner/v1/webhooks/" + sub + "/deliveries?status=pending", token, null).statusCode())
      .isEqualTo(400);
  }

  @Test
  void recoverResendsOnlyWhatFailedInTheWindowAndIsIdempotent() {
    String sub = gw.subscribe(token, receiver.url().replace("/hooks", "/recover"), "transfer.pay").getString("id");
    UUID subId = UUID.fromString(sub);
    String app = gw.query("SELECT application_id FROM subscriptions WHERE id = $1", subId).iterator().next().getUUID(0).toString();
    failing.set(true);
    List<String> events = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      events.add(gw.ingest(TestGateway.event("transfer.pay", new JsonObject()).put("application_ids", new JsonArray().add(app)))
        .getString("id"));
    }
    eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'failed'", subId) == 4,
      15_000, "failures");
    // Two of them failed "last week": outside the window.
    gw.query("UPDATE deliveries SET created_at = now() - interval '7 days' WHERE event_id = ANY($1)",
      (Object) new String[] {events.get(0), events.get(1)});
    // One more was recorded while the subscription was disabled.
    gw.send(POST, "/api/partner/v1/webhooks/" + sub + "/deactivate", token, null);
    String whileDisabled = gw.ingest(TestGateway.event("transfer.pay", new JsonObject()).put("application_ids", new JsonArray().add(app)))
      .getString("id");
    failing.set(false);

    HttpResponse<Buffer> inactive = gw.send(POST, "/api/partner/v1/webhooks/" + sub + "/recover", token,
      new JsonObject().put("since", java.time.LocalDate.now().minusDays(1).toString()));
    assertThat(inactive.statusCode()).isEqualTo(400);
    gw.send(POST, "/api/partner/v1/webhooks/" + sub + "/activate", token, null);

    int before = receiver.count();
    String since = java.time.OffsetDateTime.now().minusDays(1).toString();
    JsonObject recovered = gw.send(POST, "/api/partner/v1/webhooks/" + sub + "/recover", token,
      new JsonObject().put("since", since)).bodyAsJsonObject().getJsonObject("data");
    assertThat(recovered.getInteger("recovered_count")).isEqualTo(3);
    assertThat(recovered.getBoolean("has_more")).isFalse();
    eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'success'", subId) == 3,
      15_000, "recovered deliveries to succeed");
    assertThat(receiver.received().subList(before, receiver.count())).extracting(r -> r.header("webhook-id"))
      .containsExactlyInAnyOrder(events.get(2), events.get(3), whileDisabled);

    JsonObject again = gw.send(POST, "/api/partner/v1/webhooks/" + sub + "/recover", token,
      new JsonObject().put("since", since)).bodyAsJsonObject().getJsonObject("data");
    assertThat(again.getInteger("recovered_count")).isZero();
    assertThat(gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'failed'", subId)).isEqualTo(2);

    for (JsonObject bad : List.of(new JsonObject(), new JsonObject().put("since", "soon"),
      new JsonObject().put("since", "2024-02-01").put("until", "2024-01-01"))) {
      assertThat(gw.send(POST, "/api/partner/v1/webhooks/" + sub + "/recover", token, bad).statusCode()).as(bad.encode()).isEqualTo(400);
    }
  }
}
