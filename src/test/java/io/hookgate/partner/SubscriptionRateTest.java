package io.hookgate.partner;

import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

import java.util.List;

import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

/** A partner's own rate on a subscription: set, changed and cleared through the API, and kept by delivery. */
// Measures time between requests: run alone, so a busy machine cannot bunch them up.
@Isolated
class SubscriptionRateTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery());

  @Test
  void theRateIsSetChangedAndClearedAndBadValuesChangeNothing() {
    String token = gw.partnerToken("rate-api");
    JsonObject created = gw.subscribe(token, new JsonObject().put("url", "https://rate.example.com/hooks")
      .put("events", new JsonArray().add("order.created")).put("rate_limit_per_second", 5));
    String id = created.getString("id");
    assertThat(created.getInteger("rate_limit_per_second")).isEqualTo(5);
    assertThat(gw.subscribe(token, "https://rate.example.com/other", "order.created").getValue("rate_limit_per_second"))
      .as("none by default").isNull();

    for (Object bad : List.of(0, 10_001, 2.5, "fast", true)) {
      HttpResponse<Buffer> refused = gw.send(PATCH, "/api/partner/v1/webhooks/" + id, token,
        new JsonObject().put("rate_limit_per_second", bad));
      assertThat(refused.statusCode()).as(String.valueOf(bad)).isEqualTo(400);
      assertThat(refused.bodyAsJsonObject().getString("message")).contains("rate_limit_per_second");
    }
    assertThat(gw.count("SELECT rate_limit_per_second FROM subscriptions WHERE id = $1::uuid", id)).isEqualTo(5);

    HttpResponse<Buffer> changed = gw.send(PATCH, "/api/partner/v1/webhooks/" + id, token,
      new JsonObject().put("rate_limit_per_second", 50));
    assertThat(changed.bodyAsJsonObject().getJsonObject("data").getInteger("rate_limit_per_second")).isEqualTo(50);
    HttpResponse<Buffer> untouched = gw.send(PATCH, "/api/partner/v1/webhooks/" + id, token,
      new JsonObject().put("description", "other field"));
    assertThat(untouched.bodyAsJsonObject().getJsonObject("data").getInteger("rate_limit_per_second")).isEqualTo(50);
    HttpResponse<Buffer> cleared = gw.send(PATCH, "/api/partner/v1/webhooks/" + id, token,
      new JsonObject().putNull("rate_limit_per_second"));
    assertThat(cleared.statusCode()).isEqualTo(200);
    assertThat(cleared.bodyAsJsonObject().getJsonObject("data").containsKey("rate_limit_per_second")).isTrue();
    assertThat(cleared.bodyAsJsonObject().getJsonObject("data").getValue("rate_limit_per_second")).isNull();
  }

  /**
   * A subscription paused for maintenance holds its deliveries; resumed with a rate of 2 a second, its
   * backlog of 10 comes at that pace (a full bucket of 2, then 2 a second), every one on its first attempt.
   */
  @Test
  void aHeldBacklogComesBackAtThePartnersPace() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("rate-drain");
      String id = gw.subscribe(token, new JsonObject().put("url", receiver.url())
        .put("events", new JsonArray().add("inventory.updated")).put("rate_limit_per_second", 2)
        .put("status", "PAUSED")).getString("id");
      for (int i = 0; i < 10; i++) {
        gw.ingest(TestGateway.event("inventory.updated", new JsonObject().put("i", i)));
      }
      Receiver.eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1::uuid"
        + " AND status = 'held'", id) == 10, 10_000, "10 held deliveries");
      assertThat(gw.send(POST, "/api/partner/v1/webhooks/" + id + "/resume", token, null).statusCode()).isEqualTo(200);

      List<Long> times = receiver.awaitCount(10, 30_000).stream().map(Receiver.Received::receivedAtMs).sorted().toList();
      // A full bucket (2) plus one second of refill (2); and 8 beyond the bucket need 4 seconds at least.
      assertThat(receiver.busiest(1000)).isLessThanOrEqualTo(4);
      assertThat(times.get(times.size() - 1) - times.get(0)).isGreaterThanOrEqualTo(3_500);
      Receiver.eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1::uuid"
        + " AND status = 'success' AND attempts = 1", id) == 10, 10_000, "10 deliveries, each on its first attempt");
    }
  }
}
