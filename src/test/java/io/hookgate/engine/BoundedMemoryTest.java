package io.hookgate.engine;

import io.hookgate.db.Pools;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import org.junit.jupiter.api.Test;

import static io.hookgate.support.Receiver.eventually;
import static io.hookgate.support.TestGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * When PostgreSQL cannot take results as fast as endpoints answer, the node stops starting attempts
 * instead of queueing their results in memory (the load test's fan-out-10 run once filled a 512 MB
 * heap that way), and ingest stops handing deliveries to dispatchers that have no room. The attempts
 * table is locked here so no result can be committed.
 */
class BoundedMemoryTest {

  @Test
  void unwrittenResultsHoldTheNodesInFlightSlots() throws InterruptedException {
    Vertx vertx = Vertx.vertx();
    try (Receiver receiver = Receiver.start(vertx);
         TestGateway gw = TestGateway.start(TestGateway.fastDelivery(tree -> tree.getJsonObject("delivery")
           .put("max-in-flight", 5).put("max-in-flight-per-endpoint", 5).put("lease", "30s")))) {
      String token = gw.partnerToken("bounded-app");
      gw.subscribe(token, receiver.url(), "order.created");
      PgConnection lock = await(PgConnection.connect(vertx, Pools.connectOptions(gw.database())));
      await(lock.query("BEGIN").execute());
      await(lock.query("LOCK TABLE attempts IN SHARE MODE").execute());

      for (int i = 0; i < 40; i++) {
        gw.ingest(TestGateway.event("order.created", new JsonObject().put("i", i)));
      }
      receiver.awaitCount(5, 10_000);
      // With no slot free, ingest stops handing deliveries to dispatchers: they wait in PostgreSQL, due
      // and unleased, and the scheduler counts them but takes none while the five results are unwritten.
      assertThat(gw.count("SELECT count(*) FROM deliveries WHERE status = 'pending' AND lease_owner IS NULL"))
        .isPositive();
      eventually(() -> gw.metric("hookgate_deliveries_due") > 0, 10_000, "the scheduler to see deliveries due");
      assertThat(receiver.count()).as("attempts started while 5 results could not be written").isEqualTo(5);

      await(lock.query("ROLLBACK").execute());
      await(lock.close());
      assertThat(receiver.awaitCount(40, 30_000).stream().map(r -> r.header("webhook-id")).distinct()).hasSize(40);
      eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE status = 'success'") == 40, 15_000,
        "every result to be written once the table is free");
      assertThat(gw.count("SELECT count(*) FROM attempts")).isEqualTo(40);
    } finally {
      await(vertx.close());
    }
  }
}
