package io.hookgate.retention;

import io.hookgate.support.Receiver.Reply;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestClock;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * History older than the retention goes with its partitions, whole; a delivery that is not final when its
 * partition goes is carried over, with its event and attempts, and delivered as before. Time is moved
 * past the retention with the gateway's clock rather than waited for.
 */
class RetentionTest {

  @Test
  void expiredPartitionsAreDroppedAndUnfinishedDeliveriesSurviveThem() {
    Vertx vertx = Vertx.vertx();
    TestClock clock = new TestClock();
    AtomicBoolean failing = new AtomicBoolean(true);
    try (Receiver receiver = Receiver.start(vertx);
         TestGateway gw = TestGateway.start(TestGateway.fastDelivery(tree -> {
           tree.getJsonObject("delivery").put("retry-schedule", new JsonArray().add("0s").add("1h").add("1h"));
           tree.getJsonObject("retention").put("partition-interval", "1m").put("partitions-ahead", 2)
             .put("history", "5m").put("check-interval", "1h");
         }), clock)) {
      receiver.behave(r -> r.path().endsWith("/retrying") && failing.get() ? Reply.status(503) : Reply.status(200));
      String token = gw.partnerToken("retention-app");
      String retrying = gw.subscribe(token, receiver.url() + "/retrying", "order.created").getString("id");
      String held = gw.subscribe(token, receiver.url() + "/held", "order.created").getString("id");
      String done = gw.subscribe(token, receiver.url() + "/done", "order.created").getString("id");
      assertThat(gw.send(HttpMethod.POST, "/api/partner/v1/webhooks/" + held + "/pause", token, null).statusCode())
        .isEqualTo(200);
      String event = gw.ingest(TestGateway.event("order.created", new JsonObject().put("order", 7))).getString("id");
      eventually(() -> status(gw, retrying) .equals("retrying") && status(gw, held).equals("held")
        && status(gw, done).equals("success"), 10_000, "one delivery retrying, one held, one done");
      String retryingDelivery = deliveryOf(gw, retrying);
      String heldDelivery = deliveryOf(gw, held);
      String doneDelivery = deliveryOf(gw, done);
      long partitionsBefore = gw.count("SELECT count(*) FROM history_partitions WHERE parent = 'deliveries'");

      clock.advance(Duration.ofMinutes(10));
      TestGateway.await(gw.gateway().retention().checkNow());

      // The partitions the history was in are gone, not emptied row by row.
      assertThat(gw.count("SELECT count(*) FROM pg_tables WHERE tablename = ANY($1)",
        (Object) partitionsOf(gw, "deliveries"))).isEqualTo(gw.count(
          "SELECT count(*) FROM history_partitions WHERE parent = 'deliveries'"));
      assertThat(gw.count("SELECT count(*) FROM history_partitions WHERE parent = 'deliveries' AND ends <= now()"))
        .isZero();
      assertThat(partitionsBefore).isPositive();
      assertThat(gw.metric("hookgate_retention_dropped_partitions_total{table=\"deliveries\"}")).isPositive();
      assertThat(gw.metric("hookgate_retention_dropped_partitions_total{table=\"events\"}")).isPositive();
      assertThat(gw.metric("hookgate_retention_dropped_partitions_total{table=\"attempts\"}")).isPositive();
      assertThat(gw.metric("hookgate_history_default_partition_rows{table=\"deliveries\"}")).isEqualTo(2);

      // The finished delivery went with its partition; the two unfinished ones stayed, with their event
      // and the retrying one's first attempt.
      assertThat(gw.send(HttpMethod.GET, "/api/partner/v1/deliveries/" + doneDelivery, token, null).statusCode())
        .isEqualTo(404);
      JsonObject kept = gw.send(HttpMethod.GET, "/api/partner/v1/deliveries/" + retryingDelivery, token, null)
        .bodyAsJsonObject().getJsonObject("data");
      assertThat(kept.getString("status")).isEqualTo("retrying");
      assertThat(kept.getJsonArray("attempt_history")).hasSize(1);
      assertThat(gw.count("SELECT count(*) FROM events WHERE id = $1", event)).isEqualTo(1);

      // And they are delivered as before: the held one when its subscription resumes, the retrying one
      // when retried now.
      failing.set(false);
      assertThat(gw.send(HttpMethod.POST, "/api/partner/v1/webhooks/" + held + "/resume", token, null).statusCode())
        .isEqualTo(200);
      assertThat(gw.send(HttpMethod.POST, "/api/partner/v1/deliveries/" + retryingDelivery + "/retry", token, null)
        .statusCode()).isEqualTo(202);
      eventually(() -> "success".equals(statusOf(gw, token, heldDelivery))
        && "success".equals(statusOf(gw, token, retryingDelivery)), 15_000, "both kept deliveries to succeed");
      assertThat(receiver.received().stream().filter(r -> r.path().endsWith("/held")).map(r -> r.header("webhook-id")))
        .containsExactly(event);

      // Once final, carried deliveries go at the next check past the retention, with their events and attempts.
      clock.advance(Duration.ofMinutes(10));
      TestGateway.await(gw.gateway().retention().checkNow());
      assertThat(gw.count("SELECT count(*) FROM deliveries WHERE id = ANY($1)",
        (Object) new UUID[] {UUID.fromString(heldDelivery), UUID.fromString(retryingDelivery)})).isZero();
      assertThat(gw.count("SELECT count(*) FROM events WHERE id = $1", event)).isZero();
      assertThat(gw.count("SELECT count(*) FROM attempts WHERE delivery_id = $1", UUID.fromString(retryingDelivery)))
        .isZero();
    } finally {
      TestGateway.await(vertx.close());
    }
  }

  @Test
  void anEventRepeatedInTheNextPartitionIsADuplicate() {
    TestClock clock = new TestClock();
    try (TestGateway gw = TestGateway.start(TestGateway.fastDelivery(tree -> tree.getJsonObject("retention")
      .put("partition-interval", "1m").put("partitions-ahead", 2).put("check-interval", "1h")), clock)) {
      JsonObject event = TestGateway.event("order.created", new JsonObject().put("order", 8))
        .put("id", "ord-8-created-" + UUID.randomUUID());
      JsonObject first = gw.ingest(event);
      clock.advance(Duration.ofMinutes(1));
      JsonObject again = gw.ingest(event);
      assertThat(first.getBoolean("duplicate")).isFalse();
      assertThat(again.getBoolean("duplicate")).isTrue();
      assertThat(gw.count("SELECT count(*) FROM events WHERE id = $1", event.getString("id"))).isEqualTo(1);
    }
  }

  private static String[] partitionsOf(TestGateway gw, String table) {
    return gw.query("SELECT partition FROM history_partitions WHERE parent = $1", table).stream()
      .map(r -> r.getString(0)).toArray(String[]::new);
  }

  private static String status(TestGateway gw, String subscription) {
    return gw.query("SELECT coalesce(max(status), '') FROM deliveries WHERE subscription_id = $1",
      UUID.fromString(subscription)).iterator().next().getString(0);
  }

  private static String deliveryOf(TestGateway gw, String subscription) {
    return gw.query("SELECT id FROM deliveries WHERE subscription_id = $1", UUID.fromString(subscription))
      .iterator().next().getUUID(0).toString();
  }

  private static String statusOf(TestGateway gw, String token, String delivery) {
    return gw.send(HttpMethod.GET, "/api/partner/v1/deliveries/" + delivery, token, null).bodyAsJsonObject()
      .getJsonObject("data").getString("status");
  }
}
