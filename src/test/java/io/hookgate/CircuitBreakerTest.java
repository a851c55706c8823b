package io.hookgate;

import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CircuitBreakerTest {
  private TestGateway gw;

  @BeforeAll
  void start() {
    gw = TestGateway.start(TestGateway.fastDelivery(tree -> tree.getJsonObject("delivery").getJsonObject("circuit-breaker")
      .put("failure-threshold", 3).put("reset-timeout", "1s")));
  }

  @AfterAll
  void stop() {
    gw.close();
  }

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

      // Down for three reset periods: only half-open probes reach the endpoint.
      int atOpen = receiver.count();
      sleep(3000);
      int probes = receiver.count() - atOpen;
      assertThat(probes).isBetween(1, 6);
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

  private String circuit(String sub) {
    return gw.query("SELECT circuit_state FROM subscriptions WHERE id = $1", UUID.fromString(sub)).iterator().next().getString(0);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
