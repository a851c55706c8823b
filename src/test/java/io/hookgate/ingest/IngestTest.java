package io.hookgate.ingest;

import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** Ingest: idempotency, matching (types, wildcards, filters, target applications), and bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestTest {
  private static final int COMMIT_WAIT_MS = 100;
  /** Two API verticles (event loops), each with its group-commit writer. */
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery(tree -> {
    tree.getJsonObject("ingest").put("max-batch", 5).put("max-event-bytes", 2048).put("commit-wait-ms", COMMIT_WAIT_MS);
    tree.getJsonObject("http").put("instances", 2);
  }));

  private static void assertError(HttpResponse<Buffer> response, int status, String messagePart) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(response.bodyAsJsonObject().getString("message")).contains(messagePart);
  }

  @Test
  void aRepeatedIdReturnsTheOriginalResultAndFansOutOnce() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("idem-app");
      gw.subscribe(token, receiver.url(), "order.created");
      gw.subscribe(token, receiver.url() + "?copy=2", "order.*");
      JsonObject event = TestGateway.event("order.created", new JsonObject().put("n", 1)).put("id", "ord-100-created");
      JsonObject first = gw.ingest(event);
      JsonObject again = gw.ingest(event.copy().put("data", new JsonObject().put("n", 2)));
      assertThat(first).isEqualTo(new JsonObject().put("id", "ord-100-created").put("deliveries", 2).put("duplicate", false));
      assertThat(again).isEqualTo(new JsonObject().put("id", "ord-100-created").put("deliveries", 2).put("duplicate", true));

      receiver.awaitCount(2, 10_000);
      assertThat((long) gw.event("ord-100-created").getJsonArray("deliveries").size()).isEqualTo(2);
      assertThat(gw.event("ord-100-created").getJsonObject("data").getInteger("n")).isEqualTo(1);
    }
  }

  @Test
  void eventsSentTogetherOverSeveralConnectionsShareOneCommitAndAreEachAcknowledged() {
    // Four clients of one connection each (a connection carries one request at a time): the server hands
    // connections to its two API verticles in turn, so two events arrive on each event loop, and each loop's
    // writer puts its two in one statement.
    List<WebClient> clients = List.of(singleConnection(), singleConnection(), singleConnection(), singleConnection());
    try {
      List<io.vertx.core.Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        sent.add(clients.get(i).post("/api/v1/events").bearerTokenAuthentication(TestGateway.ADMIN_KEY)
          .sendJsonObject(TestGateway.event("customer.created", new JsonObject()).put("id", "together-" + i)));
      }
      List<HttpResponse<Buffer>> responses = TestGateway.await(io.vertx.core.Future.all(sent)).list();
      assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202));
      assertThat(responses).extracting(r -> r.bodyAsJsonObject().getJsonObject("data").getString("id"))
        .containsExactly("together-0", "together-1", "together-2", "together-3");
    } finally {
      clients.forEach(WebClient::close);
    }
    // One statement writes one receive time for all its events: fewer than 8 arrived, so the first of each
    // loop waited (up to COMMIT_WAIT_MS) for the other.
    assertThat(gw.count("SELECT count(*) FROM events WHERE id LIKE 'together-%'")).isEqualTo(4);
    assertThat(gw.count("SELECT count(DISTINCT received_at) FROM events WHERE id LIKE 'together-%'")).isEqualTo(2);
  }

  private WebClient singleConnection() {
    return WebClient.create(gw.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gw.port()),
      new PoolOptions().setHttp1MaxSize(1));
  }

  @Test
  void idempotencyKeyHeaderAndDuplicatesInsideOneBatch() {
    String token = gw.partnerToken("idem-key-app");
    gw.subscribe(token, "http://127.0.0.1:9/never", "customer.created");
    HttpResponse<Buffer> first = TestGateway.await(gw.client().post("/api/v1/events")
      .bearerTokenAuthentication(TestGateway.ADMIN_KEY).putHeader("Idempotency-Key", "req-42")
      .sendJsonObject(TestGateway.event("customer.created", new JsonObject())));
    HttpResponse<Buffer> second = TestGateway.await(gw.client().post("/api/v1/events")
      .bearerTokenAuthentication(TestGateway.ADMIN_KEY).putHeader("Idempotency-Key", "req-42")
      .sendJsonObject(TestGateway.event("customer.created", new JsonObject())));
    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(first.bodyAsJsonObject().getJsonObject("data").getString("id")).isEqualTo("req-42");
    assertThat(second.bodyAsJsonObject().getJsonObject("data").getBoolean("duplicate")).isTrue();

    JsonObject e = TestGateway.event("customer.created", new JsonObject()).put("id", "batch-dup");
    JsonArray results = gw.admin(HttpMethod.POST, "/api/v1/events", new JsonObject().put("events", new JsonArray().add(e).add(e)))
      .bodyAsJsonObject().getJsonArray("data");
    assertThat(results.getJsonObject(0).getBoolean("duplicate")).isFalse();
    assertThat(results.getJsonObject(1).getBoolean("duplicate")).isTrue();
    assertThat(results.getJsonObject(1).getInteger("deliveries")).isEqualTo(1);
    assertThat((long) gw.event("batch-dup").getJsonArray("deliveries").size()).isEqualTo(1);
    assertThat((long) gw.event("req-42").getJsonArray("deliveries").size()).isEqualTo(1);
  }

  @Test
  void concurrentIngestsOfTheSameIdCreateOneFanOut() {
    String token = gw.partnerToken("race-app");
    gw.subscribe(token, "http://127.0.0.1:9/never", "refund.create");
    List<io.vertx.core.Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(gw.client().post("/api/v1/events").bearerTokenAuthentication(TestGateway.ADMIN_KEY)
        .sendJsonObject(TestGateway.event("refund.create", new JsonObject()).put("id", "race-1")));
    }
    TestGateway.await(io.vertx.core.Future.all(sent));
    long originals = sent.stream().filter(f -> !f.result().bodyAsJsonObject().getJsonObject("data").getBoolean("duplicate")).count();
    assertThat(originals).isEqualTo(1);
    assertThat(sent).allSatisfy(f -> assertThat(f.result().statusCode()).isEqualTo(202));
    int reported = sent.get(0).result().bodyAsJsonObject().getJsonObject("data").getInteger("deliveries");
    assertThat(sent).allSatisfy(f -> assertThat(f.result().bodyAsJsonObject().getJsonObject("data").getInteger("deliveries"))
      .isEqualTo(reported));
    assertThat((long) gw.event("race-1").getJsonArray("deliveries").size()).isEqualTo(reported);
    assertThat(gw.count("SELECT count(*) FROM events WHERE id = 'race-1'")).isEqualTo(1);
  }

  @Test
  void fanOutFollowsTypesWildcardsFiltersAndTargetApplications() {
    String a = gw.partnerToken("fan-a");
    String b = gw.partnerToken("fan-b");
    String exact = gw.subscribe(a, "http://127.0.0.1:9/exact", "transfer.send").getString("id");
    String wildcard = gw.subscribe(a, "http://127.0.0.1:9/wild", "transfer.*").getString("id");
    String star = gw.subscribe(b, "http://127.0.0.1:9/star", "*").getString("id");
    String merchant = gw.subscribe(b, new JsonObject().put("url", "http://127.0.0.1:9/m").put("events", new JsonArray().add("transfer.send"))
      .put("filter", new JsonObject().put("merchant_ids", new JsonArray().add("shop-1")))).getString("id");
    String location = gw.subscribe(b, new JsonObject().put("url", "http://127.0.0.1:9/l").put("events", new JsonArray().add("transfer.*"))
      .put("filter", new JsonObject().put("inventory_locations", new JsonArray().add("sgn3")))).getString("id");
    gw.subscribe(a, "http://127.0.0.1:9/other", "transfer.fail");

    assertThat(targets(gw.ingest(TestGateway.event("transfer.send", new JsonObject()).put("merchant_id", "shop-2"))))
      .containsExactlyInAnyOrder(exact, wildcard, star);
    assertThat(targets(gw.ingest(TestGateway.event("transfer.send", new JsonObject()).put("merchant_id", "shop-1")
      .put("inventory_location", "sgn3")))).containsExactlyInAnyOrder(exact, wildcard, star, merchant, location);
    JsonObject onlyA = TestGateway.event("transfer.send", new JsonObject()).put("merchant_id", "shop-1")
      .put("application_ids", new JsonArray().add(gw.query("SELECT application_id FROM subscriptions WHERE id = $1",
        java.util.UUID.fromString(exact)).iterator().next().getUUID(0).toString()));
    assertThat(targets(gw.ingest(onlyA))).containsExactlyInAnyOrder(exact, wildcard);
    assertThat(gw.ingest(TestGateway.event("charge.capture", new JsonObject())).getInteger("deliveries")).isGreaterThanOrEqualTo(1);
  }

  private Set<String> targets(JsonObject accepted) {
    return gw.event(accepted.getString("id")).getJsonArray("deliveries").stream()
      .map(d -> ((JsonObject) d).getString("webhook_id")).collect(Collectors.toSet());
  }

  @Test
  void aBatchIsAcceptedWhole() {
    JsonArray events = new JsonArray();
    for (int i = 0; i < 3; i++) {
      events.add(TestGateway.event("loyalty.points_earned", new JsonObject().put("i", i)).put("id", "batch-ok-" + i));
    }
    JsonArray results = gw.admin(HttpMethod.POST, "/api/v1/events", new JsonObject().put("events", events))
      .bodyAsJsonObject().getJsonArray("data");
    assertThat(results).hasSize(3);
    assertThat(gw.count("SELECT count(*) FROM events WHERE id LIKE 'batch-ok-%'")).isEqualTo(3);
  }

  @Test
  void badInputGetsAClear4xxAndStoresNothing() {
    long events = gw.count("SELECT count(*) FROM events");
    long deliveries = gw.count("SELECT count(*) FROM deliveries");
    JsonObject ok = TestGateway.event("order.created", new JsonObject());
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", new JsonObject().put("data", new JsonObject())), 400, "type");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", TestGateway.event("order.exploded", new JsonObject())), 400, "unknown event type");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", new JsonObject().put("type", "order.created")), 400, "data");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", ok.copy().put("data", "text")), 400, "data");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", ok.copy().put("data", new JsonArray())), 400, "data");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", ok.copy().put("id", "has spaces")), 400, "id");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", ok.copy().put("id", "x".repeat(129))), 400, "id");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", ok.copy().put("occurred_at", "yesterday")), 400, "occurred_at");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", ok.copy().put("livemode", "yes")), 400, "livemode");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", ok.copy().put("merchant_id", 7)), 400, "merchant_id");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", ok.copy().put("application_ids", new JsonArray().add("nope"))), 400, "application_ids[0]");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", ok.copy().put("colour", "red")), 400, "colour");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", ok.copy().put("data", new JsonObject().put("blob", "x".repeat(3000)))), 413, "exceeds");
    JsonArray sixEvents = new JsonArray();
    for (int i = 0; i < 6; i++) {
      sixEvents.add(ok);
    }
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", new JsonObject().put("events", sixEvents)), 400, "events");
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", new JsonObject().put("events", new JsonArray())), 400, "events");
    // One bad event rejects the whole batch: nothing of it is stored.
    assertError(gw.admin(HttpMethod.POST, "/api/v1/events", new JsonObject().put("events", new JsonArray()
      .add(ok.copy().put("id", "batch-good")).add(ok.copy().put("type", "nope.nope")))), 400, "events[1].type");
    assertError(gw.sendRaw(HttpMethod.POST, "/api/v1/events", TestGateway.ADMIN_KEY, "application/json", Buffer.buffer("{\"type\":")), 400, "JSON");
    assertError(gw.sendRaw(HttpMethod.POST, "/api/v1/events", TestGateway.ADMIN_KEY, "application/json",
      Buffer.buffer(ok.encode() + " {}")), 400, "JSON");
    assertError(gw.sendRaw(HttpMethod.POST, "/api/v1/events", TestGateway.ADMIN_KEY, "application/json", Buffer.buffer()), 400, "JSON");
    assertError(gw.sendRaw(HttpMethod.POST, "/api/v1/events", TestGateway.ADMIN_KEY, "application/json", Buffer.buffer("[]")), 400, "object");
    assertError(gw.sendRaw(HttpMethod.POST, "/api/v1/events", TestGateway.ADMIN_KEY, "text/plain", Buffer.buffer(ok.encode())), 415, "application/json");
    assertError(gw.sendRaw(HttpMethod.POST, "/api/v1/events", TestGateway.ADMIN_KEY, "application/json",
      Buffer.buffer("{\"type\":\"order.created\",\"data\":{\"b\":\"" + "x".repeat(2_000_000) + "\"}}")), 413, "exceeds");
    HttpResponse<Buffer> noKey = gw.send(HttpMethod.POST, "/api/v1/events", null, ok);
    assertThat(noKey.statusCode()).isEqualTo(401);
    HttpResponse<Buffer> partner = gw.send(HttpMethod.POST, "/api/v1/events", gw.partnerToken("not-a-platform"), ok);
    assertThat(partner.statusCode()).isEqualTo(401);

    assertThat(gw.count("SELECT count(*) FROM events")).isEqualTo(events);
    assertThat(gw.count("SELECT count(*) FROM deliveries")).isEqualTo(deliveries);
    HttpResponse<Buffer> missing = gw.admin(HttpMethod.GET, "/api/v1/events/nothing-here", null);
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  void pausedSubscriptionsHoldDeliveriesUntilResumed() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("pause-app");
      String id = gw.subscribe(token, receiver.url(), "product.created").getString("id");
      gw.send(HttpMethod.PATCH, "/api/partner/v1/webhooks/" + id, token, new JsonObject().put("status", "PAUSED"));
      List<String> events = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        events.add(gw.ingest(TestGateway.event("product.created", new JsonObject().put("i", i))).getString("id"));
      }
      assertThat(gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'held'",
        java.util.UUID.fromString(id))).isEqualTo(3);
      assertThat(receiver.count()).isZero();

      gw.send(HttpMethod.PATCH, "/api/partner/v1/webhooks/" + id, token, new JsonObject().put("is_active", true));
      receiver.awaitCount(3, 10_000);
      assertThat(receiver.received()).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(events);
      eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'success'",
        java.util.UUID.fromString(id)) == 3, 10_000, "held deliveries to succeed");
    }
  }

  @Test
  void disabledSubscriptionsRecordEventsWithoutSendingThem() {
    try (Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("disabled-app");
      String id = gw.subscribe(token, receiver.url(), "dispute.create").getString("id");
      gw.send(HttpMethod.PATCH, "/api/partner/v1/webhooks/" + id, token, new JsonObject().put("is_active", false));
      String event = gw.ingest(TestGateway.event("dispute.create", new JsonObject())).getString("id");
      JsonObject delivery = gw.event(event).getJsonArray("deliveries").getJsonObject(0);
      assertThat(delivery.getString("status")).isEqualTo("failed");
      assertThat(delivery.getString("last_failure_reason")).isEqualTo("subscription_disabled");
      assertThat(delivery.getInteger("attempts")).isZero();
      assertThat(receiver.count()).isZero();
    }
  }

  /** A poison event among concurrent valid ones, from other callers, in one group commit. */
  @Test
  void oneBadEventFailsOnlyItsOwnRequest() {
    WebClient client = WebClient.create(gw.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(gw.port()));
    try {
      long before = gw.count("SELECT count(*) FROM events");
      List<io.vertx.core.Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        sent.add(client.post("/api/v1/events").bearerTokenAuthentication(TestGateway.ADMIN_KEY)
          .sendJsonObject(TestGateway.event("order.created", new JsonObject().put("i", i)).put("id", "neighbour-" + i)));
        if (i == 20) {
          sent.add(client.post("/api/v1/events").bearerTokenAuthentication(TestGateway.ADMIN_KEY)
            .sendJsonObject(TestGateway.event("order.created", new JsonObject()).put("id", "poison")
              .put("merchant_id", "shop\u00009")));
        }
      }
      TestGateway.await(io.vertx.core.Future.join(sent));
      List<Integer> statuses = sent.stream().map(f -> f.result().statusCode()).toList();
      assertThat(statuses.get(21)).as(sent.get(21).result().bodyAsString()).isEqualTo(400);
      assertThat(sent.get(21).result().bodyAsJsonObject().getString("message")).contains("merchant_id").contains("NUL");
      assertThat(statuses.stream().filter(s -> s == 202).count()).isEqualTo(40);
      assertThat(gw.count("SELECT count(*) FROM events")).isEqualTo(before + 40);
      assertThat(gw.count("SELECT count(*) FROM events WHERE id = 'poison'")).isZero();
    } finally {
      client.close();
    }
  }

  /**
   * Whatever PostgreSQL refuses inside a group commit fails only the request that carried it: a value that
   * got past the edge (here put into the writer directly) is found by writing each request of the batch on
   * its own, and the others are written and answered.
   */
  @Test
  void aValueTheDatabaseRefusesFailsOnlyItsOwnRequestInTheWriter() {
    io.vertx.core.Vertx vertx = gw.vertx();
    io.vertx.sqlclient.Pool pool = io.hookgate.db.Pools.pool(vertx, gw.database(), "isolation-test", 2);
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    io.hookgate.limits.InFlightLimits limits = new io.hookgate.limits.InFlightLimits(100, 10);
    io.hookgate.subscription.SubscriptionStore subscriptions = new io.hookgate.subscription.SubscriptionStore(
      new io.hookgate.subscription.SecretBox(new byte[32]));
    io.hookgate.engine.EventStore events = new io.hookgate.engine.EventStore(java.time.Duration.ofDays(1));
    io.hookgate.engine.DeliveryStore deliveries = new io.hookgate.engine.DeliveryStore();
    io.hookgate.engine.FanoutLedger ledger = new io.hookgate.engine.FanoutLedger("isolation-node", 60_000, registry,
      events, subscriptions, deliveries);
    io.hookgate.engine.DeliveryMetrics metrics = new io.hookgate.engine.DeliveryMetrics(registry, limits);
    io.vertx.core.Context context = vertx.getOrCreateContext();
    io.hookgate.ingest.IngestWriter writer = new io.hookgate.ingest.IngestWriter(vertx, pool, events, deliveries, ledger,
      new io.hookgate.engine.JobSender(vertx), 100, metrics, limits);
    io.hookgate.subscription.SubscriptionIndex none = new io.hookgate.subscription.SubscriptionIndex(vertx, pool,
      subscriptions, io.hookgate.dialect.Dialects.load(java.nio.file.Path.of("conf", "dialects.yaml"),
        io.hookgate.catalog.EventAliases.NONE));
    try {
      java.time.OffsetDateTime now = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC);
      List<io.vertx.core.Future<List<io.hookgate.ingest.IngestWriter.Result>>> results =
        new java.util.concurrent.CopyOnWriteArrayList<>();
      io.vertx.core.Promise<Void> queued = io.vertx.core.Promise.promise();
      context.runOnContext(v -> {
        for (int i = 0; i < 10; i++) {
          String id = (i == 4 ? "writer-poison-" : "writer-ok-") + i;
          String merchant = i == 4 ? "shop\u0000" : "shop";
          results.add(writer.write(List.of(new io.hookgate.ingest.NewEvent(id, "order.created", merchant, null, now, true,
            null, "{\"id\":\"" + id + "\"}")), none, IngestWriter.Origin.NONE));
        }
        queued.complete();
      });
      TestGateway.await(queued.future());
      TestGateway.await(io.vertx.core.Future.join(new ArrayList<>(results)).otherwiseEmpty());
      for (int i = 0; i < 10; i++) {
        if (i == 4) {
          assertThat(results.get(i).cause()).isInstanceOf(io.hookgate.http.ApiError.class);
          assertThat(((io.hookgate.http.ApiError) results.get(i).cause()).status()).isEqualTo(400);
        } else {
          assertThat(results.get(i).succeeded()).as("request " + i).isTrue();
        }
      }
      assertThat(gw.count("SELECT count(*) FROM events WHERE id LIKE 'writer-ok-%'")).isEqualTo(9);
      assertThat(gw.count("SELECT count(*) FROM events WHERE id LIKE 'writer-poison-%'")).isZero();
    } finally {
      TestGateway.await(pool.close());
    }
  }
}
