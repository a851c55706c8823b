package io.hookgate.cluster;

import io.hookgate.config.HookgateConfig;
import io.hookgate.support.Receiver;
import io.hookgate.support.Slow;
import io.hookgate.support.TestDatabase;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** Three nodes under a steady stream of events: the per-endpoint cap as members come and go, and a graceful stop. */
@Slow
class ClusterStopAndCapTest {

  /** Events pushed through the given nodes in turn, one every few milliseconds, until stopped. */
  private static final class Stream implements AutoCloseable {
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    /** {@code burst} events at a time, then a pause. */
    Stream(List<TestGateway> nodes, int burst, long pauseMs) {
      thread = new Thread(() -> {
        int i = 0;
        while (running.get()) {
          List<TestGateway> live = List.copyOf(nodes);
          try {
            acknowledged.add(live.get(i++ % live.size()).ingest(TestGateway.event("order.created",
              new JsonObject().put("i", i))).getString("id"));
            if (i % burst == 0) {
              Thread.sleep(pauseMs);
            }
          } catch (InterruptedException e) {
            return;
          } catch (RuntimeException refused) {
            // A node on its way out may refuse (503): that event was not acknowledged, and is not counted.
          }
        }
      }, "event-stream");
      thread.start();
    }

    Set<String> stop() {
      running.set(false);
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Set.copyOf(acknowledged);
    }

    @Override
    public void close() {
      stop();
    }
  }

  private static Set<String> delivered(Receiver receiver) {
    return receiver.received().stream().map(r -> r.header("webhook-id")).collect(Collectors.toSet());
  }

  private static void awaitMembers(List<TestGateway> nodes, int count) {
    eventually(() -> nodes.stream().allMatch(n -> n.gateway().membership().members() == count), 30_000,
      count + " members");
  }

  /**
   * A cap of 2 per endpoint for the whole cluster, while one, two and three members serve a stream of events to a
   * slow receiver: two nodes hold one slot each, and with three, one node holds none and hands its deliveries to
   * the others. The receiver never sees more than 2 requests at once, joins included, and gets every event.
   */
  @Test
  void thePerEndpointCapHoldsAtEveryMemberCount() {
    Vertx vertx = Vertx.vertx();
    HookgateConfig.Database database = TestDatabase.fresh();
    Consumer<JsonObject> settings = TestGateway.clustered("hookgate-cap-" + UUID.randomUUID(), 16001,
      tree -> tree.getJsonObject("delivery").put("max-in-flight-per-endpoint", 2));
    List<TestGateway> nodes = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Receiver receiver = Receiver.start(vertx)) {
      receiver.behave(r -> new Reply(200, "ok", Map.of(), 100));
      nodes.add(TestGateway.start(database, settings));
      String token = nodes.get(0).partnerToken("cap-app");
      nodes.get(0).subscribe(token, receiver.url(), "order.created");
      Set<String> acknowledged;
      // Bursts of 12 every second, against the 20 a second the cap allows at 100 ms each: every burst fills
      // the cap, and the backlog stays short.
      try (Stream stream = new Stream(nodes, 12, 1000)) {
        receiver.awaitCount(10, 10_000);
        for (int members = 2; members <= 3; members++) {
          nodes.add(TestGateway.start(database, settings));
          awaitMembers(nodes, members);
          eventually(() -> nodes.stream().allMatch(n -> n.gateway().limits().settled()), 20_000, "the split to settle");
          int seen = receiver.count();
          receiver.awaitCount(seen + 20, 20_000);
        }
        acknowledged = stream.stop();
      }
      eventually(() -> delivered(receiver).containsAll(acknowledged), 30_000, "every acknowledged event to arrive");
      assertThat(receiver.maxConcurrent()).as("requests the receiver held at once").isLessThanOrEqualTo(2);
      assertThat(nodes.get(2).gateway().limits().maxPerEndpoint(receiver.url())
        + nodes.get(1).gateway().limits().maxPerEndpoint(receiver.url())
        + nodes.get(0).gateway().limits().maxPerEndpoint(receiver.url())).isEqualTo(2);
    } finally {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
      TestGateway.await(vertx.close());
    }
  }

  /**
   * One of three nodes is stopped (what SIGTERM does) while the others keep sending it delivery jobs. It stops
   * being a target before it stops taking jobs and hands back what still reaches it, so with a lease of a
   * minute every acknowledged event still arrives within seconds.
   */
  @Test
  void aStoppedNodeLeavesNoDeliveryToALease() {
    Vertx vertx = Vertx.vertx();
    HookgateConfig.Database database = TestDatabase.fresh();
    Consumer<JsonObject> settings = TestGateway.clustered("hookgate-stop-" + UUID.randomUUID(), 16101,
      tree -> tree.getJsonObject("delivery").put("lease", "60s").put("max-in-flight-per-endpoint", 16));
    List<TestGateway> nodes = new ArrayList<>();
    try (Receiver receiver = Receiver.start(vertx)) {
      receiver.behave(r -> new Reply(200, "ok", Map.of(), 20));
      for (int i = 0; i < 3; i++) {
        nodes.add(TestGateway.start(database, settings));
      }
      awaitMembers(nodes, 3);
      eventually(() -> nodes.stream().allMatch(n -> n.gateway().limits().settled()), 20_000, "the split to settle");
      String token = nodes.get(0).partnerToken("stop-app");
      nodes.get(0).subscribe(token, receiver.url(), "order.created");
      eventually(() -> nodes.stream().allMatch(n -> n.gateway().subscriptions().size() == 1), 5_000,
        "every node to know the subscription");

      Set<String> acknowledged;
      List<TestGateway> ingesting = List.of(nodes.get(0), nodes.get(1));
      try (Stream stream = new Stream(ingesting, 1, 5)) {
        receiver.awaitCount(100, 20_000);
        TestGateway stopping = nodes.remove(2);
        stopping.close();
        int seen = receiver.count();
        receiver.awaitCount(seen + 100, 20_000);
        acknowledged = stream.stop();
      }
      // Well within the minute-long lease: nothing waited for one.
      try {
        eventually(() -> delivered(receiver).containsAll(acknowledged), 15_000, "every acknowledged event to arrive"
          + " without waiting for a lease");
      } catch (AssertionError e) {
        Set<String> missing = new java.util.TreeSet<>(acknowledged);
        missing.removeAll(delivered(receiver));
        List<String> rows = new ArrayList<>();
        nodes.get(0).query("SELECT event_id, status, attempts, next_attempt_at, lease_owner, created_at FROM deliveries"
          + " WHERE event_id = ANY($1)", (Object) missing.toArray(String[]::new)).forEach(row -> rows.add(row.toJson()
          .encode()));
        throw new AssertionError(e.getMessage() + "; missing " + missing + ", their rows " + rows, e);
      }
      eventually(() -> nodes.get(0).count("SELECT count(*) FROM deliveries WHERE status <> 'success'") == 0, 10_000,
        "every delivery to be recorded as a success");
    } finally {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
      TestGateway.await(vertx.close());
    }
  }
}
