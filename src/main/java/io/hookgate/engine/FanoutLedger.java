package io.hookgate.engine;

import io.hookgate.subscription.SubscriptionStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's deliveries that have no row yet. An ingested event's first attempts are not written as
 * rows at ingest: the event row records its fan-out (delivery and subscription ids) as the durable
 * intent, the jobs go straight to the dispatchers, and each delivery's row is written once, by the
 * {@link ResultWriter}, with the first attempt's outcome. That saves a row write (and its five index
 * entries) per delivery, and the dead row the result's UPDATE used to leave behind.
 *
 * <p>Recovery. Every node keeps a row in {@code ingest_nodes} with its low water: the receive time of
 * its oldest delivery still without a row (or the present, when there is none). Every event this node
 * received before it has all its rows. A node whose row stops being refreshed for a lease is taken for
 * dead, and any node writes the missing rows (pending, due now) from the fan-out of the dead node's
 * events received since its low water, and deletes its row. A delivery that is still without a row a
 * lease after its event arrived (its job was lost, e.g. on another member that died) gets its row,
 * due now, from this node. Both give the at-least-once of an expired lease: no acknowledged delivery
 * is lost, and one whose attempt was in flight may be sent twice.
 *
 * <p>Thread-safe: ingest (API event loops), the result writer and the scheduler all use it.
 */
public final class FanoutLedger {
  private static final Logger LOG = LoggerFactory.getLogger(FanoutLedger.class);
  private static final String RESOLVED_ADDRESS = "hookgate.recorded.";

  private static final String HEARTBEAT = """
    INSERT INTO ingest_nodes (node, low_water, seen_at) VALUES ($1, $2, now())
    ON CONFLICT (node) DO UPDATE SET low_water = excluded.low_water, seen_at = now()""";
  /** Silent for a lease, or (when $2 lists the live nodes) not among them. */
  private static final String DEAD_NODES = """
    SELECT node, low_water FROM ingest_nodes
     WHERE seen_at < now() - $1 * interval '1 millisecond' OR ($2::text[] IS NOT NULL AND NOT (node = ANY($2)))
       FOR UPDATE SKIP LOCKED""";
  private static final String FORGET_NODE = "DELETE FROM ingest_nodes WHERE node = $1";

  private record Entry(String eventId, Instant receivedAt) {
  }

  private final String node;
  private final long leaseMs;
  private final EventStore events;
  private final SubscriptionStore subscriptions;
  private final DeliveryStore deliveries;
  private final Map<UUID, Entry> open = new ConcurrentHashMap<>();

  private final Counter recoveredStale;
  private final Counter recoveredDeadNode;
  private final Counter recoveredShutdown;

  public FanoutLedger(String node, long leaseMs, MeterRegistry registry, EventStore events, SubscriptionStore subscriptions,
               DeliveryStore deliveries) {
    this.node = node;
    this.leaseMs = leaseMs;
    this.events = events;
    this.subscriptions = subscriptions;
    this.deliveries = deliveries;
    Gauge.builder("hookgate_deliveries_unrecorded", open, Map::size)
      .description("Deliveries sent from ingest on this node whose row is not yet written (it is written with the first"
        + " attempt's outcome)")
      .register(registry);
    recoveredStale = recovered(registry, "stale");
    recoveredDeadNode = recovered(registry, "dead_node");
    recoveredShutdown = recovered(registry, "shutdown");
  }

  private static Counter recovered(MeterRegistry registry, String reason) {
    return Counter.builder("hookgate_deliveries_recovered")
      .description("Delivery rows the fan-out ledger wrote, due now, for deliveries sent from ingest that had none: still"
        + " without one a lease after their event (stale), left by a node that went silent (dead_node), or by this node"
        + " stopping (shutdown)")
      .tag("reason", reason)
      .register(registry);
  }

  public String node() {
    return node;
  }

  /**
   * Registers deliveries (id → event id) about to be written only as their events' fan-out, and
   * returns the time those events are received at. Taking the time and registering are one step, so
   * no low water can pass an event that is being written.
   */
  public synchronized Instant open(Map<UUID, String> deliveries) {
    Instant now = now();
    deliveries.forEach((id, event) -> open.put(id, new Entry(event, now)));
    return now;
  }

  /**
   * These deliveries need no recovery any more: their rows are committed, or their event was not written
   * after all (a duplicate).
   */
  public void forget(Collection<UUID> deliveries) {
    deliveries.forEach(open::remove);
  }

  /** Tells the node tracking these deliveries (this one or another member) that their rows are committed. */
  public void recorded(Vertx vertx, String origin, List<UUID> deliveries) {
    if (origin.equals(node)) {
      forget(deliveries);
    } else {
      JsonArray ids = new JsonArray();
      deliveries.forEach(id -> ids.add(id.toString()));
      vertx.eventBus().send(RESOLVED_ADDRESS + origin, ids);
    }
  }

  /** Listens for other members' word that rows this node tracks are committed. */
  public Future<Void> listen(Vertx vertx) {
    return vertx.eventBus().<JsonArray>consumer(RESOLVED_ADDRESS + node, message -> {
      List<UUID> ids = new ArrayList<>(message.body().size());
      message.body().forEach(id -> ids.add(UUID.fromString((String) id)));
      forget(ids);
    }).completion();
  }

  private synchronized Instant lowWater() {
    Instant low = now();
    for (Entry entry : open.values()) {
      if (entry.receivedAt().isBefore(low)) {
        low = entry.receivedAt();
      }
    }
    return low;
  }

  /** PostgreSQL keeps microseconds: the low water and the receive times it is compared with are cut alike. */
  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }

  /**
   * One round of upkeep, every second or so: rows for deliveries that have waited a lease, this node's
   * low water (which also says it is alive), and the recovery of nodes that stopped saying so.
   */
  public Future<Void> tick(Pool pool) {
    return writeStale(pool, Instant.now().minusMillis(leaseMs), "still had no row a lease after their events arrived",
      recoveredStale)
      .compose(v -> heartbeat(pool))
      .compose(v -> recoverDeadNodes(pool, null));
  }

  /**
   * Nodes known to be gone (not among {@code live}: a previous life of this node killed without a stop, a
   * cluster member that left) are recovered now, not a lease after they went silent.
   */
  public Future<Void> recoverAllBut(Pool pool, Set<String> live) {
    return recoverDeadNodes(pool, live.toArray(String[]::new));
  }

  /** Registers this node (before it takes events) or refreshes its low water. */
  public Future<Void> heartbeat(Pool pool) {
    return pool.preparedQuery(HEARTBEAT).execute(Tuple.of(node, utc(lowWater()))).mapEmpty();
  }

  /**
   * Graceful stop, after the result writer has drained: whatever still has no row gets one, due now,
   * and this node's ledger row goes.
   */
  public Future<Void> close(Pool pool) {
    return writeStale(pool, Instant.MAX, "had no row when this node stopped", recoveredShutdown)
      .compose(v -> pool.preparedQuery(FORGET_NODE).execute(Tuple.of(node)))
      .mapEmpty();
  }

  private Future<Void> writeStale(Pool pool, Instant receivedBefore, String why, Counter recovered) {
    List<UUID> ids = new ArrayList<>();
    List<String> eventIds = new ArrayList<>();
    Instant[] span = {Instant.MAX, Instant.MIN};
    open.forEach((id, entry) -> {
      if (entry.receivedAt().isBefore(receivedBefore)) {
        ids.add(id);
        eventIds.add(entry.eventId());
        span[0] = entry.receivedAt().isBefore(span[0]) ? entry.receivedAt() : span[0];
        span[1] = entry.receivedAt().isAfter(span[1]) ? entry.receivedAt() : span[1];
      }
    });
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    Set<UUID> wanted = Set.copyOf(ids);
    return pool.withTransaction(conn -> events.fanoutOf(conn, Set.copyOf(eventIds), span[0], span[1])
        .map(fanned -> fanned.stream().filter(f -> wanted.contains(f.deliveryId())).toList())
        .compose(fanned -> writeMissing(conn, fanned)))
      .map(written -> {
        forget(ids);
        recovered.increment(written);
        LOG.warn("{} deliveries {}: written due now ({} new rows)", ids.size(), why, written);
        return null;
      });
  }

  /**
   * Rows, due now, for deliveries of an event's fan-out that have none; a deleted subscription took its
   * deliveries with it, so those get none. How many rows were new.
   */
  private Future<Integer> writeMissing(SqlConnection conn, List<EventStore.Fanned> fanned) {
    return subscriptions.lockExisting(conn, fanned.stream().map(EventStore.Fanned::subscriptionId).toList())
      .compose(applications -> deliveries.insertMissing(conn, fanned.stream()
        .filter(f -> applications.containsKey(f.subscriptionId()))
        .map(f -> new DeliveryStore.Missing(f.deliveryId(), f.eventId(), f.subscriptionId(),
          applications.get(f.subscriptionId()), f.eventType(), f.receivedAt()))
        .toList()));
  }

  private Future<Void> recoverDeadNodes(Pool pool, String[] live) {
    return pool.withTransaction(conn -> conn.preparedQuery(DEAD_NODES).execute(Tuple.tuple().addLong(leaseMs).addArrayOfString(live))
      .compose(dead -> {
        Future<Void> chain = Future.succeededFuture();
        for (Row row : dead) {
          String deadNode = row.getString("node");
          OffsetDateTime lowWater = row.getOffsetDateTime("low_water");
          chain = chain
            .compose(v -> events.fanoutOfNode(conn, deadNode, lowWater))
            .compose(fanned -> writeMissing(conn, fanned))
            .compose(written -> {
              recoveredDeadNode.increment(written);
              LOG.warn("Node {} is gone: wrote {} of its unrecorded deliveries, due now", deadNode, written);
              return conn.preparedQuery(FORGET_NODE).execute(Tuple.of(deadNode));
            })
            .mapEmpty();
        }
        return chain;
      }));
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
