package io.hookgate.engine;

import io.hookgate.cluster.Membership;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.Pools;
import io.hookgate.limits.InFlightLimits;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
final class Scheduler extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
  private static final long DUE_GAUGE_PERIOD_MS = 5_000;
  private static final long LEDGER_PERIOD_MS = 1_000;
  private static final long PARKED_PERIOD_MS = 1_000;

  private final HookgateConfig.Database database;
  private final HookgateConfig.Delivery config;
  private final InFlightLimits limits;
  private final DeliveryMetrics metrics;
  private final FanoutLedger ledger;
  private final ParkedDeliveries parked;
  private final Membership membership;
  private final DeliveryStore deliveries;
  private final EventStore events;
  private final String nodeId;
  private final JobSender jobs;
  private Pool pool;
  private boolean claiming;
  /** While parked deliveries are drained, claims alternate between them and the due ones. */
  private boolean parkedTurn;

  Scheduler(HookgateConfig.Database database, HookgateConfig.Delivery config, InFlightLimits limits,
            DeliveryMetrics metrics, FanoutLedger ledger, ParkedDeliveries parked, Membership membership,
            DeliveryStore deliveries, EventStore events, JobSender jobs) {
    this.jobs = jobs;
    this.membership = membership;
    this.deliveries = deliveries;
    this.events = events;
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
      deliveries.countDue(pool).onSuccess(metrics::due);
      deliveries.countParked(pool).onSuccess(metrics::parked);
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
    return deliveries.releaseLeasesNotOf(pool, List.copyOf(live), config.lease().toMillis())
      .onSuccess(n -> {
        if (n > 0) {
          LOG.info("Took back {} deliveries leased by nodes that are gone", n);
        }
      })
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
    Future<List<DeliveryStore.Claimed>> claimed = fromParked
      ? parked.claim(pool, room, config.lease().toMillis(), nodeId)
      : deliveries.claimDue(pool, room, config.lease().toMillis(), nodeId);
    claimed.compose(this::send).onComplete(result -> {
      claiming = false;
      if (result.failed()) {
        LOG.warn("Claiming {} deliveries failed: {}", fromParked ? "parked" : "due", result.cause().getMessage());
        return;
      }
      if (result.result() == room || parked.draining()) {
        // More may be due or parked: keep draining without waiting for the next tick.
        vertx.runOnContext(v -> claim());
      }
    });
  }

  /** Sends the claimed deliveries to the dispatchers, each with its event's envelope; how many were claimed. */
  private Future<Integer> send(List<DeliveryStore.Claimed> claimed) {
    if (claimed.isEmpty()) {
      return Future.succeededFuture(0);
    }
    Set<String> eventIds = new HashSet<>();
    Instant from = Instant.MAX;
    Instant to = Instant.MIN;
    for (DeliveryStore.Claimed c : claimed) {
      eventIds.add(c.eventId());
      from = c.createdAt().isBefore(from) ? c.createdAt() : from;
      to = c.createdAt().isAfter(to) ? c.createdAt() : to;
    }
    return events.sent(pool, eventIds, from, to).compose(sent -> {
      List<DeliveryStore.Claimed> unsent = new ArrayList<>();
      for (DeliveryStore.Claimed c : claimed) {
        EventStore.Sent event = sent.get(c.eventId());
        if (event != null) {
          jobs.send(c.job(event));
        } else {
          unsent.add(c);
        }
      }
      return deliveries.failErased(pool, unsent).map(claimed.size());
    });
  }
}
