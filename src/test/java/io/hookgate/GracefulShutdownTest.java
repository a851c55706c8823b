package io.hookgate;

import io.hookgate.config.HookgateConfig;
import io.hookgate.support.Receiver;
import io.hookgate.support.Slow;
import io.hookgate.support.TestDatabase;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** A node that is stopped finishes what it started and hands back what it had not. */
@Slow
class GracefulShutdownTest {

  @Test
  void aStoppingNodeDrainsInFlightAttemptsAndReleasesItsLeases() {
    Vertx vertx = Vertx.vertx();
    HookgateConfig.Database database = TestDatabase.fresh();
    // A lease of a minute: without the release, the stopped node's deliveries would wait that long.
    Consumer<JsonObject> settings = TestGateway.clustered("hookgate-drain-" + UUID.randomUUID(), 15901,
      tree -> tree.getJsonObject("delivery").put("lease", "60s").put("max-in-flight-per-endpoint", 4));
    try (Receiver receiver = Receiver.start(vertx); TestGateway a = TestGateway.start(database, settings)) {
      receiver.behave(r -> new Reply(200, "ok", Map.of(), 400));
      TestGateway b = TestGateway.start(database, settings);
      try {
        eventually(() -> a.gateway().membership().members() == 2, 20_000, "two members");
        String token = b.partnerToken("drain-app");
        String sub = b.subscribe(token, receiver.url(), "order.created").getString("id");
        // Five deliveries B has claimed but not started yet: leased to B for a minute.
        b.send(io.vertx.core.http.HttpMethod.POST, "/api/partner/v1/webhooks/" + sub + "/pause", token, null);
        for (int i = 0; i < 5; i++) {
          b.ingest(TestGateway.event("order.created", new JsonObject().put("claimed", i)));
        }
        b.query("UPDATE deliveries SET status = 'pending', lease_owner = $1, next_attempt_at = now() + interval '60 seconds'"
          + " WHERE status = 'held'", b.gateway().nodeId());
        b.send(io.vertx.core.http.HttpMethod.POST, "/api/partner/v1/webhooks/" + sub + "/resume", token, null);
        eventually(() -> a.gateway().subscriptions().get(UUID.fromString(sub)).status()
          == io.hookgate.subscription.Subscription.Status.ACTIVE, 5_000, "a to know the subscription is active");
        // And fifteen in flight when B is told to stop.
        for (int i = 0; i < 15; i++) {
          b.ingest(TestGateway.event("order.created", new JsonObject().put("i", i)));
        }
        receiver.awaitCount(2, 10_000);
      } finally {
        b.close();
      }
      eventually(() -> a.count("SELECT count(*) FROM deliveries WHERE status = 'success'") == 20, 30_000,
        "every delivery to succeed well within the lease");
      // Nothing was cut off mid-request: every request the receiver answered is recorded (a released
      // delivery may be sent twice, at-least-once, so wait for the last answer to be written), and succeeded.
      eventually(() -> a.count("SELECT count(*) FROM attempts") == receiver.count(), 10_000,
        "every answered request to be recorded");
      assertThat(a.count("SELECT count(*) FROM attempts WHERE failure_reason IS NOT NULL")).isZero();
    } finally {
      TestGateway.await(vertx.close());
    }
  }

  /**
   * Events in flight when the node is told to stop are finished and answered (202), or refused with 503 when
   * they cannot be served any more; never a 500, and every 202 is stored.
   */
  @Test
  void ingestInFlightAtStopIsFinishedOrRefusedWith503() {
    Vertx vertx = Vertx.vertx();
    TestGateway gw = TestGateway.start(TestGateway.fastDelivery());
    io.vertx.ext.web.client.WebClient client = io.vertx.ext.web.client.WebClient.create(vertx,
      new io.vertx.ext.web.client.WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gw.port()));
    HookgateConfig.Database database = gw.database();
    java.util.List<io.vertx.core.Future<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>> sent =
      new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        sent.add(client.post("/api/v1/events").bearerTokenAuthentication(TestGateway.ADMIN_KEY)
          .sendJsonObject(TestGateway.event("order.created", new JsonObject()).put("id", "at-stop-" + i)));
      }
      gw.close();
      TestGateway.await(io.vertx.core.Future.join(sent).otherwiseEmpty());
    } finally {
      client.close();
    }
    java.util.List<String> accepted = new java.util.ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      if (sent.get(i).succeeded()) {
        int status = sent.get(i).result().statusCode();
        assertThat(status).as(sent.get(i).result().bodyAsString()).isIn(202, 503);
        if (status == 202) {
          accepted.add("at-stop-" + i);
        }
      }
      // A request the stopping node never read fails on the connection: the platform retries it like any other.
    }
    try (TestGateway again = TestGateway.start(database, TestGateway.fastDelivery())) {
      assertThat(again.count("SELECT count(*) FROM events WHERE id = ANY($1)", (Object) accepted.toArray(String[]::new)))
        .isEqualTo(accepted.size());
    } finally {
      TestGateway.await(vertx.close());
    }
  }
}
