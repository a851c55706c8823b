package io.hookgate.engine;

import io.hookgate.support.Receiver;
import io.hookgate.support.TestClock;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** Durability across restarts, and auto-disable after sustained failure. */
class RecoveryTest {

  @Test
  void aRestartWithPendingRetriesLosesNothing() {
    Vertx vertx = Vertx.vertx();
    try (Receiver receiver = Receiver.start(vertx)) {
      AtomicBoolean down = new AtomicBoolean(true);
      receiver.behave(r -> down.get() ? Reply.status(500) : Reply.status(200));
      List<String> events = new ArrayList<>();
      var settings = TestGateway.fastDelivery(tree -> tree.getJsonObject("delivery")
        .put("retry-schedule", new JsonArray().add("0s").add("2s").add("2s").add("2s")));
      TestGateway first = TestGateway.start(settings);
      var database = first.database();
      try {
        String token = first.partnerToken("restart-app");
        first.subscribe(token, receiver.url(), "order.created");
        for (int i = 0; i < 5; i++) {
          events.add(first.ingest(TestGateway.event("order.created", new JsonObject().put("i", i))).getString("id"));
        }
        eventually(() -> first.count("SELECT count(*) FROM deliveries WHERE status = 'retrying'") == 5, 10_000,
          "every delivery to be waiting for a retry");
      } finally {
        first.close();
      }
      down.set(false);
      int before = receiver.count();
      try (TestGateway second = TestGateway.start(database, settings)) {
        eventually(() -> second.count("SELECT count(*) FROM deliveries WHERE status = 'success'") == 5, 15_000,
          "every delivery to succeed after the restart");
        List<String> delivered = receiver.received().subList(before, receiver.count()).stream()
          .filter(r -> r.header("x-hookgate-attempt") != null).map(r -> r.header("webhook-id")).toList();
        assertThat(delivered).containsAll(events);
      }
    } finally {
      TestGateway.await(vertx.close());
    }
  }

  @Test
  void subscriptionsAreDisabledAfterSustainedFailure() {
    Vertx vertx = Vertx.vertx();
    TestClock clock = new TestClock();
    try (Receiver receiver = Receiver.start(vertx);
         TestGateway gw = TestGateway.start(TestGateway.fastDelivery(tree -> tree.getJsonObject("delivery")
           .put("retry-schedule", new JsonArray().add("0s"))
           .put("auto-disable", new JsonObject().put("after-exhausted-deliveries", 3).put("after-failing-for", "5d"))),
           clock)) {
      receiver.behave(r -> Reply.status(500));
      String token = gw.partnerToken("failing-app");
      String byCount = gw.subscribe(token, receiver.url(), "customer.created").getString("id");
      String byTime = gw.subscribe(token, receiver.url() + "?b", "customer.updated").getString("id");

      for (int i = 0; i < 3; i++) {
        gw.ingest(TestGateway.event("customer.created", new JsonObject()));
        int n = i + 1;
        eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'failed'",
          UUID.fromString(byCount)) == n, 10_000, "failure " + n);
      }
      eventually(() -> "DISABLED".equals(webhook(gw, token, byCount).getString("status")), 10_000, "disabled by count");
      assertThat(webhook(gw, token, byCount).getString("disabled_reason")).contains("3 deliveries in a row");

      gw.ingest(TestGateway.event("customer.updated", new JsonObject()));
      eventually(() -> gw.count("SELECT count(*) FROM attempts WHERE subscription_id = $1", UUID.fromString(byTime)) == 1,
        10_000, "first failure");
      assertThat(webhook(gw, token, byTime).getString("status")).isEqualTo("ACTIVE");
      clock.advance(Duration.ofDays(5).plusMinutes(1));
      gw.ingest(TestGateway.event("customer.updated", new JsonObject()));
      eventually(() -> "DISABLED".equals(webhook(gw, token, byTime).getString("status")), 10_000, "disabled by time");
      assertThat(webhook(gw, token, byTime).getString("disabled_reason")).startsWith("Every delivery has failed since");

      // Re-activating starts the count afresh.
      gw.send(HttpMethod.PATCH, "/api/partner/v1/webhooks/" + byCount, token, new JsonObject().put("status", "ACTIVE"));
      assertThat(gw.count("SELECT consecutive_exhausted FROM subscriptions WHERE id = $1", UUID.fromString(byCount))).isZero();
    } finally {
      TestGateway.await(vertx.close());
    }
  }

  private static JsonObject webhook(TestGateway gw, String token, String id) {
    return gw.send(HttpMethod.GET, "/api/partner/v1/webhooks/" + id, token, null).bodyAsJsonObject().getJsonObject("data");
  }
}
