package io.hookgate.engine;

import io.hookgate.limits.InFlightLimits;
import io.hookgate.cluster.Membership;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.Pools;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.function.Supplier;

/**
 * Claims deliveries that are due (scheduled retries, and jobs whose lease ran out because their node
 * died or never got to them) and sends them to the dispatchers. Claims use
 * {@code FOR UPDATE SKIP LOCKED}, so any number of schedulers on any number of nodes can run at once
 * without claiming the same row; a claim renews the row's lease. It claims no more than this node has
 * room for, so the backlog waits in PostgreSQL. It also keeps the node's {@link FanoutLedger}: its low
 * water, and the recovery of nodes that died with deliveries not yet written.
 */
public final class Scheduler extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
  private static final long DUE_GAUGE_PERIOD_MS = 5_000;
  private static final long LEDGER_PERIOD_MS = 1_000;
  private static final long PARKED_PERIOD_MS = 1_000;

  /**
   * Leases the deliveries a {@code picked} CTE chose to node $3 for $2 ms, returning what their jobs need;
   * the claims of due and of parked deliveries differ only in what they pick.
   */
  static final String LEASE_PICKED = """
    UPDATE deliveries d
       SET next_attempt_at = now() + $2 * interval '1 millisecond', lease_owner = $3, updated_at = now()
      FROM picked, events e
     WHERE d.id = picked.id AND e.id = d.event_id
    RETURNING d.id, d.event_id, d.subscription_id, d.event_type, d.attempts, e.body""";
  private static final String CLAIM = """
    WITH picked AS (
      SELECT id FROM deliveries
       WHERE status IN ('pending', 'retrying') AND next_attempt_at <= now()
       ORDER BY next_attempt_at
       LIMIT $1
       FOR UPDATE SKIP LOCKED)
    """ + LEASE_PICKED;
  private static final String COUNT_DUE = """
    SELECT count(*) FROM deliveries WHERE status IN ('pending', 'retrying') AND next_attempt_at <= now()""";

  private final HookgateConfig.Database database;
  private final HookgateConfig.Delivery config;
  private final InFlightLimits limits;
  private final DeliveryMetrics metrics;
  private final FanoutLedger ledger;
  private final ParkedDeliveries parked;
  private final Membership membership;
  private final String nodeId;
  private Pool pool;
  private boolean claiming;
  /** While parked deliveries are drained, claims alternate between them and the due ones. */
  private boolean parkedTurn;

  public Scheduler(HookgateConfig.Database database, HookgateConfig.Delivery config, InFlightLimits limits,
                   DeliveryMetrics metrics, FanoutLedger ledger, ParkedDeliveries parked, Membership membership) {
    this.membership = membership;
    this.database = database;
    this.config = config;
    this.limits = limits;
    this.metrics = metrics;
    this.ledger = ledger;
    this.parked = parked;
    this.nodeId = ledger.node();
  }

  /** Ready once this node is in the ledger's table: it takes no event before it could be recovered. */
  @Override
  public Future<?> start() {
    pool = Pools.pool(vertx, database, "scheduler", 2);
    vertx.setPeriodic(config.schedulerIntervalMs(), id -> claim());
    vertx.setPeriodic(DUE_GAUGE_PERIOD_MS, id -> {
      pool.query(COUNT_DUE).execute().onSuccess(rows -> metrics.due(rows.iterator().next().getLong(0)));
      ParkedDeliveries.count(pool).onSuccess(metrics::parked);
    });
    Periodic sweep = new Periodic("Releasing parked deliveries", () -> parked.sweep(pool));
    vertx.setPeriodic(PARKED_PERIOD_MS, id -> sweep.run());
    Periodic keep = new Periodic("Keeping the fan-out ledger", () -> ledger.tick(pool));
    vertx.setPeriodic(Math.min(LEDGER_PERIOD_MS, config.lease().toMillis() / 4), id -> keep.run());
    membership.onLeft(left -> vertx.runOnContext(v -> reapGone()));
    return ledger.listen(vertx).compose(v -> ledger.heartbeat(pool)).compose(v -> reapGone());
  }

  /**
   * Takes back at once what nodes that are gone left behind: their leases, and their deliveries without a
   * row. At start that is a previous life of this node (killed without a stop) or members that left while
   * it was down; later, members the cluster reports as having left.
   */
  private Future<Void> reapGone() {
    Set<String> live = membership.liveNodes();
    return Leases.releaseDead(pool, live, config.lease().toMillis())
      .compose(n -> ledger.recoverAllBut(pool, live))
      .recover(e -> {
        LOG.warn("Taking back the work of nodes that are gone failed ({}); their leases expire instead", e.getMessage());
        return Future.succeededFuture();
      });
  }

  /** Runs a periodic task unless its previous run is still going; a failure is logged for the next run. */
  private static final class Periodic {
    private final String what;
    private final Supplier<Future<?>> task;
    private boolean running;

    Periodic(String what, Supplier<Future<?>> task) {
      this.what = what;
      this.task = task;
    }

    void run() {
      if (running) {
        return;
      }
      running = true;
      task.get().onComplete(done -> {
        running = false;
        if (done.failed()) {
          LOG.warn("{} failed: {}", what, done.cause().getMessage());
        }
      });
    }
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }

  /**
   * Claims due deliveries (and, while an endpoint's breaker has just closed, that endpoint's parked
   * deliveries, taking turns with the due ones) up to the node's free in-flight slots, and sends them to
   * the dispatchers.
   */
  private void claim() {
    int room = Math.min(config.schedulerBatch(), limits.available());
    if (claiming || room == 0) {
      return;
    }
    claiming = true;
    parkedTurn = parked.draining() && !parkedTurn;
    boolean fromParked = parkedTurn;
    Future<RowSet<Row>> claimed = fromParked
      ? parked.claim(pool, room, config.lease().toMillis(), nodeId)
      : pool.preparedQuery(CLAIM).execute(Tuple.of(room, config.lease().toMillis(), nodeId));
    claimed.onComplete(result -> {
      claiming = false;
      if (result.failed()) {
        LOG.warn("Claiming {} deliveries failed: {}", fromParked ? "parked" : "due", result.cause().getMessage());
        return;
      }
      RowSet<Row> rows = result.result();
      if (rows != null) {
        for (Row row : rows) {
          vertx.eventBus().send(DeliveryJob.ADDRESS, new DeliveryJob(row.getUUID("id"), row.getString("event_id"),
            row.getUUID("subscription_id"), row.getString("event_type"), row.getInteger("attempts"),
            row.getString("body")));
        }
      }
      if ((rows != null && rows.size() == room) || parked.draining()) {
        // More may be due or parked: keep draining without waiting for the next tick.
        vertx.runOnContext(v -> claim());
      }
    });
  }
}
