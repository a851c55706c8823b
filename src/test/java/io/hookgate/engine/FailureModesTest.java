package io.hookgate.engine;

import io.hookgate.subscription.Subscription;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** How delivery behaves when endpoints misbehave: timeouts, Retry-After, 410, hangs, dead nodes, TLS. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailureModesTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery(tree -> tree.getJsonObject("delivery")
    .put("max-retry-after", "10s")
    .put("request-timeout-ms", 1500)));

  private JsonObject delivery(String eventId) {
    JsonArray deliveries = gw.event(eventId).getJsonArray("deliveries");
    assertThat(deliveries).hasSize(1);
    return deliveries.getJsonObject(0);
  }

  private Row attempt(String eventId, int number) {
    return gw.query("SELECT * FROM attempts WHERE delivery_id = $1 AND attempt = $2",
      UUID.fromString(delivery(eventId).getString("id")), number).iterator().next();
  }

  @Test
  void anEndpointThatDoesNotAnswerInTimeIsATimeout() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      receiver.behave(r -> Reply.hang());
      String token = gw.partnerToken("slow-app");
      gw.subscribe(token, receiver.url(), "order.cancelled");
      String id = gw.ingest(TestGateway.event("order.cancelled", new JsonObject())).getString("id");
      eventually(() -> gw.count("SELECT count(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_id = $1", id) >= 1,
        15_000, "a timed-out attempt to be recorded");
      Row first = attempt(id, 1);
      assertThat(first.getString("failure_reason")).isEqualTo("timeout");
      assertThat(first.getInteger("response_status")).isNull();
      assertThat(first.getInteger("duration_ms")).isGreaterThanOrEqualTo(1500);
    }
  }

  @Test
  void retryAfterIsHonouredOn429() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      receiver.behave(r -> "1".equals(r.header("x-hookgate-attempt"))
        ? Reply.status(429).withHeader("Retry-After", "3") : Reply.status(200));
      String token = gw.partnerToken("throttled-app");
      gw.subscribe(token, receiver.url(), "order.status_changed");
      String id = gw.ingest(TestGateway.event("order.status_changed", new JsonObject())).getString("id");
      eventually(() -> "retrying".equals(delivery(id).getString("status")), 10_000, "first attempt to be throttled");
      OffsetDateTime firstAt = attempt(id, 1).getOffsetDateTime("created_at");
      OffsetDateTime nextAt = OffsetDateTime.parse(delivery(id).getString("next_attempt_at"));
      // The schedule alone would retry after 200 ms; the receiver asked for 3 s.
      assertThat(Duration.between(firstAt, nextAt)).isGreaterThanOrEqualTo(Duration.ofMillis(2900));
      assertThat(attempt(id, 1).getString("failure_reason")).isEqualTo("http_4xx");
      eventually(() -> "success".equals(delivery(id).getString("status")), 15_000, "the retry to succeed");
      assertThat(receiver.count()).isEqualTo(2);
    }
  }

  @Test
  void goneDisablesTheSubscriptionAndLaterEventsAreOnlyRecorded() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      receiver.behave(r -> Reply.status(410));
      String token = gw.partnerToken("gone-app");
      String sub = gw.subscribe(token, receiver.url(), "customer.updated").getString("id");
      String id = gw.ingest(TestGateway.event("customer.updated", new JsonObject())).getString("id");
      eventually(() -> "failed".equals(delivery(id).getString("status")), 10_000, "the 410 to fail the delivery");
      assertThat(delivery(id).getInteger("attempts")).isEqualTo(1);
      eventually(() -> "DISABLED".equals(webhook(token, sub).getString("status")), 10_000, "the subscription to be disabled");
      assertThat(webhook(token, sub).getString("disabled_reason")).contains("410");
      // The node's index hears of it a moment after the commit the API reads; until then an event is still sent.
      eventually(() -> gw.gateway().subscriptions().get(UUID.fromString(sub)).status() == Subscription.Status.DISABLED,
        5_000, "the node's index to know");

      String later = gw.ingest(TestGateway.event("customer.updated", new JsonObject())).getString("id");
      // Ingest may still see the subscription active (its index hears of the change shortly after);
      // then the dispatcher finds it disabled and records the delivery without sending it.
      eventually(() -> "subscription_disabled".equals(delivery(later).getString("last_failure_reason")), 10_000,
        "the later delivery to be recorded as skipped");
      assertThat(receiver.count()).isEqualTo(1);
    }
  }

  private JsonObject webhook(String token, String id) {
    return gw.send(HttpMethod.GET, "/api/partner/v1/webhooks/" + id, token, null).bodyAsJsonObject().getJsonObject("data");
  }

  @Test
  void aHungEndpointDoesNotDelayAHealthyOne() {
    try (Receiver hung = Receiver.start(gw.vertx()); Receiver healthy = Receiver.start(gw.vertx())) {
      hung.behave(r -> Reply.hang());
      String token = gw.partnerToken("isolation-app");
      gw.subscribe(token, hung.url(), "transaction.created");
      gw.subscribe(token, healthy.url(), "transaction.created");
      for (int i = 0; i < 40; i++) {
        gw.ingest(TestGateway.event("transaction.created", new JsonObject().put("i", i)));
      }
      // All 40 reach the healthy endpoint while the hung one still holds its first requests open,
      // i.e. before a single attempt to it has timed out.
      healthy.awaitCount(40, 10_000);
      UUID hungSub = gw.query("SELECT id FROM subscriptions WHERE url = $1", hung.url()).iterator().next().getUUID(0);
      assertThat(hung.count()).isPositive();
      assertThat(gw.count("SELECT count(*) FROM attempts WHERE subscription_id = $1", hungSub)).isZero();
    }
  }

  @Test
  void aDeliveryWhoseNodeDiedIsResentWhenItsLeaseExpires() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("lease-app");
      gw.subscribe(token, receiver.url(), "card.update");
      String id = gw.ingest(TestGateway.event("card.update", new JsonObject())).getString("id");
      receiver.awaitCount(1, 10_000);
      eventually(() -> "success".equals(delivery(id).getString("status")), 10_000, "first delivery");
      // Pretend another node had claimed it and died before recording anything: leased, now expired.
      gw.query("UPDATE deliveries SET status = 'pending', attempts = 0, lease_owner = 'dead-node',"
        + " next_attempt_at = now() - interval '1 second' WHERE event_id = $1", id);
      receiver.awaitCount(2, 10_000);
      assertThat(receiver.received()).extracting(r -> r.header("webhook-id")).containsOnly(id);
      eventually(() -> "success".equals(delivery(id).getString("status")), 10_000, "re-sent delivery");
    }
  }

  @Test
  void tlsCertificatesAreVerified() {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    try (Receiver tls = Receiver.start(gw.vertx(), new HttpServerOptions().setSsl(true)
      .setKeyCertOptions(certificate.keyCertOptions()))) {
      String token = gw.partnerToken("tls-app");
      gw.subscribe(token, "https://127.0.0.1:" + tls.port() + "/hooks", "charge.create");
      String id = gw.ingest(TestGateway.event("charge.create", new JsonObject())).getString("id");
      eventually(() -> gw.count("SELECT count(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_id = $1", id) >= 1,
        10_000, "the TLS attempt to be recorded");
      assertThat(attempt(id, 1).getString("failure_reason")).isEqualTo("tls");
      assertThat(tls.count()).isZero();
    }
  }

  @Test
  void redirectsAreNotFollowedAndLongBodiesAreTruncated() {
    try (Receiver receiver = Receiver.start(gw.vertx()); Receiver target = Receiver.start(gw.vertx())) {
      receiver.behave(r -> Reply.status(302).withHeader("Location", target.url()).withBody("x".repeat(10_000)));
      String token = gw.partnerToken("redirect-app");
      gw.subscribe(token, receiver.url(), "recipient.create");
      String id = gw.ingest(TestGateway.event("recipient.create", new JsonObject())).getString("id");
      eventually(() -> "failed".equals(delivery(id).getString("status")), 10_000, "delivery to fail");
      Row first = attempt(id, 1);
      assertThat(first.getInteger("response_status")).isEqualTo(302);
      assertThat(first.getString("failure_reason")).isEqualTo("http_3xx");
      assertThat(first.getString("response_body")).hasSize(4096);
      assertThat(((JsonObject) first.getJson("response_headers")).getString("location")).isEqualTo(target.url());
      assertThat(target.count()).isZero();
    }
  }

  @Test
  void aRefusedConnectionIsRecordedAsSuch() {
    String token = gw.partnerToken("refused-app");
    gw.subscribe(token, "http://127.0.0.1:9/nothing-listens", "charge.reverse");
    String id = gw.ingest(TestGateway.event("charge.reverse", new JsonObject())).getString("id");
    eventually(() -> "failed".equals(delivery(id).getString("status")), 10_000, "delivery to fail");
    assertThat(attempt(id, 1).getString("failure_reason")).isEqualTo("connection_refused");
  }

  /**
   * A receiver whose answer holds NUL (which no PostgreSQL text column takes) gets it recorded with U+FFFD
   * in its place, and the other results written in the same batch are not held back by it.
   */
  @Test
  void anAnswerHoldingNulIsRecordedAndHoldsBackNoOtherResult() {
    try (Receiver odd = Receiver.start(gw.vertx()); Receiver plain = Receiver.start(gw.vertx())) {
      odd.behave(r -> Reply.status(200).withBody("ok\u0000then"));
      String token = gw.partnerToken("nul-answer-app");
      gw.subscribe(token, odd.url(), "transfer.pay");
      gw.subscribe(token, plain.url(), "transfer.pay");
      String id = gw.ingest(TestGateway.event("transfer.pay", new JsonObject())).getString("id");
      eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE event_id = $1 AND status = 'success'", id) == 2,
        10_000, "both deliveries to be recorded");
      Row answered = gw.query("SELECT a.response_body FROM attempts a JOIN deliveries d ON d.id = a.delivery_id"
        + " WHERE d.event_id = $1 AND a.response_body LIKE 'ok%then'", id).iterator().next();
      assertThat(answered.getString("response_body")).isEqualTo("ok\uFFFDthen");
    }
  }
}
