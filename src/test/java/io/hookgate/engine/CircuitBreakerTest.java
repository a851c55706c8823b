package io.hookgate.engine;

import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// Measures time between requests: run alone, so a busy machine cannot bunch them up.
@Isolated
class CircuitBreakerTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery(tree -> tree.getJsonObject("delivery").getJsonObject("circuit-breaker")
    .put("failure-threshold", 3).put("reset-timeout", "1s")));

  /**
   * An endpoint that keeps failing opens its breaker; while open its deliveries wait without spending
   * attempts (with 3 attempts each, they would all be exhausted otherwise); a half-open probe closes it
   * once the endpoint recovers, and everything is delivered.
   */
  @Test
  void breakerOpensSpendsNoAttemptsWhileOpenAndRecovers() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      AtomicBoolean down = new AtomicBoolean(true);
      receiver.behave(r -> down.get() ? Reply.status(502) : Reply.status(200));
      String token = gw.partnerToken("flaky-app");
      String sub = gw.subscribe(token, receiver.url(), "order.created").getString("id");
      for (int i = 0; i < 10; i++) {
        gw.ingest(TestGateway.event("order.created", new JsonObject().put("i", i)));
      }
      eventually(() -> "open".equals(circuit(sub)), 10_000, "the breaker to open");
      JsonObject webhook = gw.send(HttpMethod.GET, "/api/partner/v1/webhooks/" + sub, token, null).bodyAsJsonObject()
        .getJsonObject("data");
      assertThat(webhook.getJsonObject("health_status").getString("status")).isEqualTo("error");
      assertThat(gw.send(HttpMethod.GET, "/metrics", null, null).bodyAsString())
        .containsPattern("hookgate_circuit_breaker_state\\{endpoint=\"http://127.0.0.1:" + receiver.port() + "/hooks\"[^}]*} 2\\.0");

      // Waiting deliveries are parked: no due time, shown as such, and left alone until the breaker closes.
      eventually(() -> parked(sub) >= 3, 5_000, "deliveries to be parked");
      String parkedId = gw.query("SELECT id FROM deliveries WHERE subscription_id = $1 AND next_attempt_at = 'infinity'"
        + " LIMIT 1", UUID.fromString(sub)).iterator().next().getUUID(0).toString();
      JsonObject parkedView = gw.send(HttpMethod.GET, "/api/partner/v1/deliveries/" + parkedId, token, null)
        .bodyAsJsonObject().getJsonObject("data");
      assertThat(parkedView.getString("status")).isIn("pending", "retrying");
      assertThat(parkedView.containsKey("next_attempt_at")).isTrue();
      assertThat(parkedView.getValue("next_attempt_at")).isNull();
      OffsetDateTime windowStart = gw.query("SELECT now()").iterator().next().getOffsetDateTime(0);

      // While it stays down, only half-open probes reach the endpoint: one per reset period (1 s).
      int atOpen = receiver.count();
      List<Receiver.Received> probes = receiver.awaitCount(atOpen + 3, 10_000).subList(atOpen, atOpen + 3);
      for (int i = 1; i < probes.size(); i++) {
        assertThat(probes.get(i).receivedAtMs() - probes.get(i - 1).receivedAtMs())
          .as("time between probes %d and %d", i, i + 1).isGreaterThanOrEqualTo(800);
      }
      // Postponed to a time, every waiting delivery came back (claimed, then postponed again) once per reset
      // period; parked, only the probes are touched.
      assertThat(gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND next_attempt_at = 'infinity'"
        + " AND updated_at < $2", UUID.fromString(sub), windowStart)).isGreaterThanOrEqualTo(2);
      assertThat(gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'failed'",
        UUID.fromString(sub))).isZero();

      down.set(false);
      eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'success'",
        UUID.fromString(sub)) == 10, 15_000, "every delivery to succeed after recovery");
      eventually(() -> "closed".equals(circuit(sub)), 5_000, "the breaker to close");
      assertThat(gw.count("SELECT max(attempts) FROM deliveries WHERE subscription_id = $1", UUID.fromString(sub)))
        .isLessThanOrEqualTo(3);
    }
  }

  /**
   * A delivery left parked with no breaker open on this node (as after a restart, when every breaker starts
   * closed) is released by the sweep and delivered.
   */
  @Test
  void aParkedDeliveryWithAClosedBreakerIsReleased() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("restarted-app");
      String sub = gw.subscribe(token, receiver.url(), "order.created").getString("id");
      gw.ingest(TestGateway.event("order.created", new JsonObject().put("i", 1)));
      eventually(() -> receiver.count() == 1, 10_000, "the first delivery");
      eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'success'",
        UUID.fromString(sub)) == 1, 10_000, "its row");
      gw.query("UPDATE deliveries SET status = 'pending', attempts = 0, completed_at = NULL, next_attempt_at = 'infinity'"
        + " WHERE subscription_id = $1", UUID.fromString(sub));

      eventually(() -> receiver.count() == 2, 10_000, "the parked delivery to be released and sent again");
      eventually(() -> parked(sub) == 0 && gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1"
        + " AND status = 'success'", UUID.fromString(sub)) == 1, 10_000, "it to succeed");
    }
  }

  private long parked(String sub) {
    return gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND next_attempt_at = 'infinity'",
      UUID.fromString(sub));
  }

  private String circuit(String sub) {
    return gw.query("SELECT circuit_state FROM subscriptions WHERE id = $1", UUID.fromString(sub)).iterator().next().getString(0);
  }
}
