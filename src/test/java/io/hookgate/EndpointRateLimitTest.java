package io.hookgate;

import io.hookgate.cluster.Membership;
import io.hookgate.delivery.EndpointRateLimits;
import io.hookgate.delivery.InFlightLimits;
import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-endpoint rate limits and caps, and how a cluster divides them among its members. */
class EndpointRateLimitTest {

  @Test
  void clusterLimitsAreSharedByLiveMembers() {
    assertThat(Membership.share(10, 1)).isEqualTo(10);
    assertThat(Membership.share(10, 2)).isEqualTo(5);
    assertThat(Membership.share(10, 3)).isEqualTo(4);
    assertThat(Membership.share(2, 5)).isEqualTo(1);

    EndpointRateLimits rates = new EndpointRateLimits(10);
    rates.members(2);
    int allowed = 0;
    for (int i = 0; i < 20; i++) {
      if (rates.delayMs("https://x.example.com/h") == 0) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(5);
    assertThat(rates.delayMs("https://x.example.com/h")).isPositive();
    assertThat(rates.delayMs("https://other.example.com/h")).isZero();
    assertThat(new EndpointRateLimits(0).delayMs("https://x.example.com/h")).isZero();

    InFlightLimits limits = new InFlightLimits(100, 8);
    limits.members(4);
    assertThat(limits.maxPerEndpoint()).isEqualTo(2);
    assertThat(limits.tryAcquire("e")).isTrue();
    assertThat(limits.tryAcquire("e")).isTrue();
    assertThat(limits.tryAcquire("e")).isFalse();
    limits.releaseEndpoint("e");
    limits.releaseNode(1);
    assertThat(limits.tryAcquire("e")).isTrue();
  }

  /** 30 events to an endpoint limited to 5 requests a second: no one-second window sees more than 10. */
  @Test
  void theGatewayHoldsAnEndpointToItsRate() {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try (Receiver receiver = Receiver.start(vertx);
         TestGateway gw = TestGateway.start(TestGateway.fastDelivery(tree -> tree.getJsonObject("delivery")
           .put("endpoint-rate-limit-per-second", 5)))) {
      String token = gw.partnerToken("rate-app");
      gw.subscribe(token, receiver.url(), "order.created");
      for (int i = 0; i < 30; i++) {
        gw.ingest(TestGateway.event("order.created", new JsonObject().put("i", i)));
      }
      List<Receiver.Received> all = receiver.awaitCount(30, 30_000);
      List<Long> times = all.stream().map(Receiver.Received::receivedAtMs).sorted().toList();
      int busiest = 0;
      for (int i = 0; i < times.size(); i++) {
        int inWindow = 0;
        for (int j = i; j < times.size() && times.get(j) < times.get(i) + 1000; j++) {
          inWindow++;
        }
        busiest = Math.max(busiest, inWindow);
      }
      // A full bucket (5) plus one second of refill (5).
      assertThat(busiest).isLessThanOrEqualTo(10);
      assertThat(all.stream().map(r -> r.header("webhook-id")).distinct()).hasSize(30);
    } finally {
      TestGateway.await(vertx.close());
    }
  }
}
