package io.hookgate.cluster;

import io.hookgate.config.ConfigSource;
import io.hookgate.config.HookgateConfig;
import io.hookgate.subscription.Subscription;
import io.hookgate.support.NodeProcess;
import io.hookgate.support.Receiver;
import io.hookgate.support.Slow;
import io.hookgate.support.TestDatabase;
import io.hookgate.support.TestGateway;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

/** Several nodes on loopback sharing one PostgreSQL, clustered over the Hazelcast event bus. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Slow
class ClusterTest {
  private static final int BASE_PORT = 15801;
  private final String clusterName = "hookgate-test-" + UUID.randomUUID();
  private final List<TestGateway> nodes = new ArrayList<>();
  private HookgateConfig.Database database;
  private Consumer<JsonObject> settings;
  private Vertx vertx;

  @BeforeAll
  void start() {
    database = TestDatabase.fresh();
    settings = TestGateway.clustered(clusterName, BASE_PORT, tree -> tree.getJsonObject("delivery")
      // A cap of 3: with three members each holds a slot of every endpoint (a smaller cap leaves one of them
      // none, and it hands that endpoint's deliveries to the others: ClusterStopAndCapTest).
      .put("max-in-flight-per-endpoint", 3).put("circuit-breaker", new JsonObject().put("failure-threshold", 5)
        .put("reset-timeout", "1s")));
    nodes.add(TestGateway.start(database, settings));
    nodes.add(TestGateway.start(database, settings));
    eventually(() -> nodes.get(0).gateway().membership().members() == 2, 20_000, "two members");
    eventually(() -> nodes.stream().allMatch(n -> n.gateway().limits().settled()), 20_000, "the split of caps to settle");
    vertx = Vertx.vertx();
  }

  @AfterAll
  void stop() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
    TestGateway.await(vertx.close());
  }

  private TestGateway a() {
    return nodes.get(0);
  }

  private TestGateway b() {
    return nodes.get(1);
  }

  private static long successes(TestGateway node) {
    Matcher m = Pattern.compile("hookgate_deliveries_total\\{outcome=\"success\"} ([0-9.]+)")
      .matcher(node.send(GET, "/metrics", null, null).bodyAsString());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void everyNodeTakesAShareIncludingOneThatJoins() {
    try (Receiver receiver = Receiver.start(vertx)) {
      String token = a().partnerToken("spread-app");
      a().subscribe(token, receiver.url(), "order.created");
      eventually(() -> b().gateway().subscriptions().size() >= 1, 5_000, "b to know the subscription");
      JsonObject ready = a().send(GET, "/ready", null, null).bodyAsJsonObject();
      assertThat(ready.getJsonObject("cluster").getBoolean("enabled")).isTrue();
      assertThat(ready.getJsonObject("cluster").getInteger("members")).isEqualTo(2);

      long before0 = successes(a());
      long before1 = successes(b());
      for (int i = 0; i < 40; i++) {
        nodes.get(i % 2).ingest(TestGateway.event("order.created", new JsonObject().put("i", i)));
      }
      receiver.awaitCount(40, 20_000);
      eventually(() -> successes(a()) - before0 + successes(b()) - before1 == 40, 10_000, "40 recorded successes");
      assertThat(successes(a()) - before0).isPositive();
      assertThat(successes(b()) - before1).isPositive();

      nodes.add(TestGateway.start(database, settings));
      TestGateway c = nodes.get(2);
      eventually(() -> a().gateway().membership().members() == 3 && c.gateway().membership().members() == 3, 20_000,
        "three members");
      eventually(() -> c.gateway().limits().settled(), 20_000, "the new node's share of the caps to settle");
      long beforeC = successes(c);
      for (int i = 0; i < 60; i++) {
        a().ingest(TestGateway.event("order.created", new JsonObject().put("j", i)));
      }
      receiver.awaitCount(100, 20_000);
      eventually(() -> successes(c) - beforeC > 0, 10_000, "the new node to deliver a share");
      assertThat(receiver.received().stream().map(r -> r.header("webhook-id")).distinct().count()).isEqualTo(100);
    }
  }

  @Test
  void aSubscriptionPausedOnOneNodeStopsDeliveriesFromTheOthers() {
    try (Receiver receiver = Receiver.start(vertx)) {
      String token = a().partnerToken("pause-cluster-app");
      String id = a().subscribe(token, receiver.url(), "customer.created").getString("id");
      UUID sub = UUID.fromString(id);
      a().send(POST, "/api/partner/v1/webhooks/" + id + "/pause", token, null);
      // The change reaches the other node within a second.
      eventually(() -> b().gateway().subscriptions().get(sub) != null
        && b().gateway().subscriptions().get(sub).status() == Subscription.Status.PAUSED, 1_000, "b to see the pause");
      for (int i = 0; i < 5; i++) {
        b().ingest(TestGateway.event("customer.created", new JsonObject()));
      }
      assertThat(b().count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'held'", sub)).isEqualTo(5);
      assertThat(receiver.count()).isZero();
      b().send(POST, "/api/partner/v1/webhooks/" + id + "/resume", token, null);
      receiver.awaitCount(5, 10_000);
    }
  }

  @Test
  void aBreakerOpenedOnOneNodeIsOpenOnTheOthers() {
    String url = "http://127.0.0.1:9/breaker-propagation";
    for (int i = 0; i < 10; i++) {
      TestGateway.await(a().gateway().breakers().execute(url, () -> Future.failedFuture("down")).otherwiseEmpty());
    }
    assertThat(a().gateway().breakers().state(url)).isEqualTo(CircuitBreakerState.OPEN);
    eventually(() -> b().gateway().breakers().state(url) == CircuitBreakerState.OPEN, 2_000, "b to open its breaker");
  }

  /** max-in-flight-per-endpoint holds for the cluster: the members' shares add up to the cap, never more. */
  @Test
  void theEndpointCapHoldsForTheWholeCluster() {
    try (Receiver hung = Receiver.start(vertx)) {
      hung.behave(r -> Reply.hang());
      String token = a().partnerToken("cap-app");
      a().subscribe(token, hung.url(), "charge.create");
      eventually(() -> b().gateway().subscriptions().size() >= 1, 5_000, "b to know the subscription");
      int members = a().gateway().membership().members();
      for (int i = 0; i < 12; i++) {
        nodes.get(i % 2).ingest(TestGateway.event("charge.create", new JsonObject()));
      }
      eventually(() -> hung.count() >= Math.min(3, 12), 10_000, "the endpoint to be busy");
      // Shares of the cap of 3 by member count: 3; 2 and 1; 1, 1 and 1. The cluster never holds more than 3.
      assertThat(members).isPositive();
      assertThat(hung.maxConcurrent()).isLessThanOrEqualTo(3);
    }
  }

  /** A node killed with SIGKILL in the middle of a stream loses nothing: its leases expire and others re-send. */
  @Test
  void aKilledNodeLosesNothing() {
    try (Receiver receiver = Receiver.start(vertx)) {
      receiver.behave(r -> new Reply(200, "ok", java.util.Map.of(), 100));
      JsonObject tree = ConfigSource.readYaml(HookgateConfig.DEFAULT_FILE);
      settings.accept(tree);
      tree.put("admin-key", TestGateway.ADMIN_KEY);
      tree.getJsonObject("http").put("port", 0).put("host", "127.0.0.1");
      tree.getJsonObject("security").put("secret-encryption-key", TestGateway.SECRET_ENCRYPTION_KEY);
      tree.getJsonObject("database").put("mode", "external").put("host", database.host()).put("port", database.port())
        .put("name", database.name()).put("user", database.user()).put("password", database.password());
      int before = a().gateway().membership().members();
      try (NodeProcess doomed = NodeProcess.start(tree).awaitRunning(60_000)) {
        eventually(() -> a().gateway().membership().members() == before + 1, 30_000, "the process to join");
        String token = a().partnerToken("crash-app");
        a().subscribe(token, receiver.url(), "transfer.create");
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 80; i++) {
          sent.add(a().ingest(TestGateway.event("transfer.create", new JsonObject().put("i", i))).getString("id"));
        }
        receiver.awaitCount(10, 20_000);
        doomed.kill();
      }
      try {
        eventually(() -> receiver.received().stream().map(r -> r.header("webhook-id")).distinct().count() >= 80, 60_000,
          "every event to arrive despite the crash");
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + ": got " + receiver.received().stream().map(r -> r.header("webhook-id")).distinct().count()
          + ", states " + a().query("SELECT status || ':' || attempts || ':' || coalesce(lease_owner, '-') || ':' || (next_attempt_at - now())::text FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.type = 'transfer.create' AND d.status <> 'success'")
          .stream().map(r -> r.getString(0)).toList() + " members " + a().gateway().membership().members());
      }
      eventually(() -> a().count("SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id"
        + " WHERE e.type = 'transfer.create' AND d.status = 'success'") == 80, 30_000, "every delivery to be recorded");
      eventually(() -> a().gateway().membership().members() == before, 30_000, "the dead node to leave the cluster");
    }
  }

  /** Hazelcast listens on cluster.host only (127.0.0.1 here), not on every interface of the host. */
  @Test
  void hazelcastListensOnTheClusterAddressOnly() throws Exception {
    try (java.net.Socket reachable = new java.net.Socket("127.0.0.1", BASE_PORT)) {
      assertThat(reachable.isConnected()).isTrue();
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new java.net.Socket("127.0.0.2", BASE_PORT).close())
      .isInstanceOf(java.net.ConnectException.class);
  }
}
