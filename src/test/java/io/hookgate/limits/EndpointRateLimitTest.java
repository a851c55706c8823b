package io.hookgate.limits;

import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-endpoint rate limits and caps, and how a cluster divides them among its members. */
// Measures time between requests: run alone, so a busy machine cannot bunch them up.
@Isolated
class EndpointRateLimitTest {

  /** Every member computes the same split, and the shares of all members add up to the cap, for any count. */
  @Test
  void clusterCapsAddUpExactlyForAnyMemberCount() {
    for (int members = 1; members <= 7; members++) {
      List<String> nodes = new java.util.ArrayList<>();
      for (int i = 0; i < members; i++) {
        nodes.add(java.util.UUID.randomUUID().toString());
      }
      for (int cap = 1; cap <= 40; cap++) {
        for (String url : List.of("https://a.example.com/h", "https://b.example.com/x", "http://10.0.0.1:8080/")) {
          int total = 0;
          int holders = 0;
          for (String node : nodes) {
            InFlightLimits limits = new InFlightLimits(1000, cap, node, 0);
            limits.members(nodes);
            int share = limits.maxPerEndpoint(url);
            total += share;
            holders += share > 0 ? 1 : 0;
            if (share == 0) {
              assertThat(limits.holderOf(url)).as("a member without a share knows one that has").isNotNull()
                .isNotEqualTo(node);
            }
          }
          assertThat(total).as(members + " members, cap " + cap).isEqualTo(cap);
          assertThat(holders).isEqualTo(Math.min(cap, members));
        }
      }
    }
  }

  /** A member that has just joined holds nothing until attempts started under the old split are over. */
  @Test
  void aGrowingShareWaitsForTheOldSplitToSettle() {
    InFlightLimits joined = new InFlightLimits(1000, 4, "b", 60_000);
    joined.members(List.of("a", "b"));
    assertThat(joined.maxPerEndpoint("https://x.example.com/h")).isZero();

    InFlightLimits alone = new InFlightLimits(1000, 4, "a", 60_000);
    alone.members(List.of("a"));
    assertThat(alone.maxPerEndpoint("https://x.example.com/h")).as("alone: nothing to overlap with").isEqualTo(4);
    alone.members(List.of("a", "b"));
    assertThat(alone.maxPerEndpoint("https://x.example.com/h")).as("shrinks at once").isEqualTo(2);
    alone.members(List.of("a"));
    assertThat(alone.maxPerEndpoint("https://x.example.com/h")).as("grows only once settled").isEqualTo(2);
  }

  @Test
  void ratesAreSharedAsFractions() {
    EndpointRateLimits rates = new EndpointRateLimits(10);
    rates.members(List.of("a", "b", "c"));
    int allowed = 0;
    for (int i = 0; i < 20; i++) {
      if (rates.delayMs("https://x.example.com/h") == 0) {
        allowed++;
      }
    }
    // 10 a second on three members is 3.33 each: three at once here, never the four that rounding up gave.
    assertThat(allowed).isEqualTo(3);
    assertThat(rates.delayMs("https://x.example.com/h")).isPositive();
    assertThat(rates.delayMs("https://other.example.com/h")).isZero();
    assertThat(new EndpointRateLimits(0).delayMs("https://x.example.com/h")).isZero();

    InFlightLimits limits = new InFlightLimits(100, 2);
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
