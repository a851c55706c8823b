package io.hookgate.engine;

import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A delivery sent straight from ingest has no row until its first attempt's outcome is written; the
 * event's fan-out is its durable record until then (FanoutLedger).
 */
class WriteOnceDeliveryTest {

  @Test
  void aDeliveredEventWritesEachDeliveryRowOnceWithItsOutcome() {
    Vertx vertx = Vertx.vertx();
    try (Receiver receiver = Receiver.start(vertx); TestGateway gw = TestGateway.start(TestGateway.fastDelivery())) {
      String token = gw.partnerToken("write-once-app");
      String first = gw.subscribe(token, receiver.url(), "order.created").getString("id");
      gw.subscribe(token, receiver.url() + "?second", "order.created");
      List<String> events = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        events.add(gw.ingest(TestGateway.event("order.created", new JsonObject().put("i", i))).getString("id"));
      }
      receiver.awaitCount(20, 10_000);
      eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE status = 'success' AND attempts = 1") == 20, 10_000,
        "20 successful deliveries recorded");
      // Each row was inserted with its outcome and never updated (PostgreSQL's own counters, kept per
      // partition, which an idle backend reports within about ten seconds).
      eventually(() -> gw.count("SELECT sum(n_tup_ins) FROM pg_stat_user_tables WHERE relname LIKE 'deliveries%'") == 20,
        20_000, "20 rows inserted");
      assertThat(gw.count("SELECT sum(n_tup_upd) FROM pg_stat_user_tables WHERE relname LIKE 'deliveries%'")).isZero();
      // The row carries what the old ingest-time row did: event, subscription, application and receive time.
      assertThat(gw.count("""
        SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id
                                          JOIN subscriptions s ON s.id = d.subscription_id
         WHERE d.application_id = s.application_id AND d.created_at = e.received_at AND d.event_type = e.type
           AND d.last_status_code = 200 AND d.completed_at IS NOT NULL AND d.lease_owner IS NULL""")).isEqualTo(20);
      assertThat(gw.count("SELECT count(*) FROM events WHERE id = ANY($1) AND cardinality(fanout) = 2"
        + " AND fanout_subscriptions @> ARRAY[$2::uuid]", events.toArray(String[]::new), first)).isEqualTo(10);
      // Nothing is left open: the node's low water has moved past every event, and nothing needed recovering.
      eventually(() -> gw.metric("hookgate_deliveries_unrecorded") == 0, 5_000, "no delivery left without a row");
      assertThat(gw.metric("hookgate_deliveries_recovered_total{reason=\"stale\"}")).isZero();
      eventually(() -> gw.count("SELECT count(*) FROM ingest_nodes n WHERE n.node = $1"
          + " AND n.low_water > (SELECT max(received_at) FROM events)", gw.gateway().nodeId()) == 1, 5_000,
        "the low water to pass the last event");
    } finally {
      TestGateway.await(vertx.close());
    }
  }

  /**
   * A node that died between acknowledging events and writing their delivery rows left only its events'
   * fan-out and its low water: another node writes the missing rows and delivers them, and nothing
   * else (not events before the low water, not deliveries that have their row).
   */
  @Test
  void anotherNodeDeliversWhatADeadNodeLeftWithoutARow() {
    Vertx vertx = Vertx.vertx();
    try (Receiver receiver = Receiver.start(vertx); TestGateway gw = TestGateway.start(TestGateway.fastDelivery())) {
      receiver.behave(r -> Reply.status(200));
      String token = gw.partnerToken("recovery-app");
      UUID sub = UUID.fromString(gw.subscribe(token, receiver.url(), "order.created").getString("id"));
      UUID missing = UUID.randomUUID(), recorded = UUID.randomUUID(), before = UUID.randomUUID();
      String lost = "evt_lost_" + UUID.randomUUID();
      gw.query("INSERT INTO ingest_nodes (node, low_water, seen_at) VALUES ('dead-node', now() - interval '10 seconds',"
        + " now() - interval '1 hour')");
      // Received after the low water: one delivery never got its row, the other did.
      insertEvent(gw, lost, "now() - interval '5 seconds'", missing, recorded, sub);
      gw.query("INSERT INTO deliveries (id, event_id, subscription_id, application_id, event_type, status, attempts,"
          + " next_attempt_at, created_at, completed_at) SELECT $1, $2, id, application_id, 'order.created', 'success', 1,"
          + " now(), (SELECT received_at FROM events WHERE id = $2), now() FROM subscriptions WHERE id = $3",
        recorded, lost, sub);
      // Received before the low water: complete by the dead node's word, so not touched.
      String old = "evt_old_" + UUID.randomUUID();
      insertEvent(gw, old, "now() - interval '20 seconds'", before, UUID.randomUUID(), sub);

      eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE id = $1 AND status = 'success'", missing) == 1,
        15_000, "the missing delivery to be written and delivered");
      assertThat(receiver.received()).extracting(r -> r.header("webhook-id")).containsExactly(lost);
      assertThat(gw.count("SELECT count(*) FROM deliveries WHERE event_id = $1", old)).isZero();
      assertThat(gw.count("SELECT attempts FROM deliveries WHERE id = $1", recorded)).isEqualTo(1);
      assertThat(gw.count("SELECT count(*) FROM ingest_nodes WHERE node = 'dead-node'")).isZero();
      assertThat(gw.metric("hookgate_deliveries_recovered_total{reason=\"dead_node\"}")).isEqualTo(1);
      assertThat(gw.count("SELECT count(*) FROM ingest_nodes WHERE node = $1", gw.gateway().nodeId())).isEqualTo(1);
    } finally {
      TestGateway.await(vertx.close());
    }
  }

  private static void insertEvent(TestGateway gw, String id, String receivedAt, UUID delivery, UUID other, UUID sub) {
    String body = new JsonObject().put("id", id).put("type", "order.created").put("data", new JsonObject()).encode();
    gw.query("INSERT INTO events (id, type, occurred_at, received_at, livemode, body, deliveries_count, ingest_node,"
        + " fanout, fanout_subscriptions) VALUES ($1, 'order.created', now(), " + receivedAt + ", false, $2, 2,"
        + " 'dead-node', ARRAY[$3::uuid, $4::uuid], ARRAY[$5::uuid, $5::uuid])", id, body, delivery, other, sub);
  }
}
