package io.hookgate.engine;

import io.hookgate.config.HookgateConfig;
import io.hookgate.db.DatabaseFailures;
import io.hookgate.limits.InFlightLimits;
import io.hookgate.subscription.Subscription;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.subscription.SubscriptionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Writes what dispatchers learn, in batches: attempts, delivery rows, the hourly stats, subscription
 * health and auto-disable. Results queue here and are written together by one transaction at a time
 * (never one round trip per attempt), each table by its owner. Rows are written in id order so
 * concurrent writers on several nodes cannot deadlock.
 *
 * <p>A delivery's row is only advanced when its attempt count still matches, so a delivery that was
 * re-sent after its lease expired cannot be counted twice. Until its result is written a delivery keeps
 * its lease; if the node dies first, the lease expires and another node re-sends (at-least-once).
 *
 * <p>Thread-safe: the node's dispatchers (each on its own event loop) queue results here; the queue is
 * guarded by this object's lock, and one write is in flight at a time.
 */
final class ResultWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ResultWriter.class);
  private static final int MAX_BATCH = 2000;
  private static final int MAX_MOVED = 20_000;
  private static final long RETRY_WRITE_MS = 1000;
  /** How long results gather before a write starts (docs/decisions/004-result-writer-linger.md). */
  private static final long LINGER_MS = 20;

  /** What became of a delivery after an attempt. */
  public enum Decision {
    SUCCESS, RETRY, EXHAUSTED, GONE;

    DeliveryStatus status() {
      return switch (this) {
        case SUCCESS -> DeliveryStatus.SUCCESS;
        case RETRY -> DeliveryStatus.RETRYING;
        case EXHAUSTED, GONE -> DeliveryStatus.FAILED;
      };
    }
  }

  /** An attempt's result as queued. */
  record Recorded(Attempt attempt, Decision decision, Instant nextAttemptAt) {
    DeliveryJob job() {
      return attempt.job();
    }
  }

  /** A move as queued. */
  record Queued(DeliveryJob job, Move kind, Instant at, String reason) {
  }

  /** The tables a batch writes, each through its owner. */
  record Stores(DeliveryStore deliveries, AttemptStore attempts, StatsStore stats, SubscriptionStore subscriptions) {
  }

  private final Vertx vertx;
  private final Pool pool;
  private final Stores stores;
  private final SubscriptionIndex index;
  private final HookgateConfig.AutoDisable autoDisable;
  private final DeliveryMetrics metrics;
  private final InFlightLimits limits;
  private final FanoutLedger ledger;
  private final Clock clock;
  private List<Recorded> recorded = new ArrayList<>();
  private List<Queued> moved = new ArrayList<>();
  private boolean writing;
  private boolean scheduled;
  private long writes;

  ResultWriter(Vertx vertx, Pool pool, Stores stores, SubscriptionIndex index, HookgateConfig.AutoDisable autoDisable,
               DeliveryMetrics metrics, InFlightLimits limits, FanoutLedger ledger, Clock clock) {
    this.vertx = vertx;
    this.pool = pool;
    this.stores = stores;
    this.index = index;
    this.autoDisable = autoDisable;
    this.metrics = metrics;
    this.limits = limits;
    this.ledger = ledger;
    this.clock = clock;
  }

  /**
   * Queues an attempt's result. The attempt holds one of the node's in-flight slots, released once the
   * result is committed: that is what bounds this queue.
   */
  public synchronized void record(Attempt attempt, Decision decision, Instant nextAttemptAt) {
    recorded.add(new Recorded(attempt, decision, nextAttemptAt));
    metrics.outcome(decision);
    kick();
  }

  /** Moves a delivery to a later time without spending an attempt (node or endpoint busy, node stopping). */
  public synchronized void postpone(DeliveryJob job, Instant at) {
    metrics.postponed();
    move(new Queued(job, Move.POSTPONE, at, null));
  }

  /** The endpoint's breaker is open: the delivery waits, parked, without a due time, until the breaker closes. */
  public synchronized void park(DeliveryJob job) {
    move(new Queued(job, Move.PARK, null, null));
  }

  /** The subscription is paused: the delivery waits, held, until it is resumed. */
  public synchronized void hold(DeliveryJob job) {
    move(new Queued(job, Move.HOLD, null, null));
  }

  /** The delivery cannot be sent at all (subscription disabled or deleted); it is failed without an attempt. */
  public synchronized void skip(DeliveryJob job, String reason) {
    move(new Queued(job, Move.SKIP, null, reason));
  }

  /** Transactions this writer has committed (a batch is one, unless a refused value split it). */
  public synchronized long writes() {
    return writes;
  }

  /**
   * Past {@link #MAX_MOVED} waiting changes (PostgreSQL is behind), a change is dropped instead of
   * queued: the delivery keeps its lease, and when the lease ends the scheduler claims it again and it
   * is decided anew (one without a row yet stays in the {@link FanoutLedger}, which writes its row when a
   * lease has passed). Nothing is lost; memory stays bounded.
   */
  private void move(Queued change) {
    if (moved.size() >= MAX_MOVED) {
      metrics.moveDropped();
      return;
    }
    moved.add(change);
    kick();
  }

  private void kick() {
    if (!writing && !scheduled) {
      scheduled = true;
      vertx.setTimer(LINGER_MS, id -> writeQueued());
    }
  }

  private synchronized void writeQueued() {
    scheduled = false;
    if (writing || (recorded.isEmpty() && moved.isEmpty())) {
      return;
    }
    List<Recorded> r = recorded.size() <= MAX_BATCH ? recorded : new ArrayList<>(recorded.subList(0, MAX_BATCH));
    recorded = recorded.size() <= MAX_BATCH ? new ArrayList<>() : new ArrayList<>(recorded.subList(MAX_BATCH, recorded.size()));
    List<Queued> m = moved;
    moved = new ArrayList<>();
    writing = true;
    pool.withTransaction(conn -> write(conn, r, m))
      .recover(e -> DatabaseFailures.refusedValue(e) && r.size() + m.size() > 1 ? isolate(r, m) : Future.failedFuture(e))
      .onSuccess(disabled -> {
        limits.releaseNode(r.size());
        firstRowsWritten(r, m);
        disabled(disabled);
      })
      .onComplete(done -> {
        synchronized (this) {
          writing = false;
          if (done.failed()) {
            LOG.warn("Writing {} delivery results failed, retrying: {}", r.size() + m.size(), done.cause().getMessage());
            recorded.addAll(0, r);
            moved.addAll(0, m);
            scheduled = true;
            vertx.setTimer(RETRY_WRITE_MS, id -> writeQueued());
          } else {
            writes++;
            if (!recorded.isEmpty() || !moved.isEmpty()) {
              kick();
            }
          }
        }
      });
  }

  /**
   * PostgreSQL refused a value of the batch (nothing of it was written): each result is written on its own,
   * so one bad result cannot hold back the others. One that is refused even alone is dropped and logged; its
   * delivery keeps its lease and is attempted again when the lease ends.
   */
  private Future<List<UUID>> isolate(List<Recorded> r, List<Queued> m) {
    List<UUID> disabled = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Recorded x : r) {
      chain = chain.compose(v -> alone(List.of(x), List.of(), x.job()).map(disabled::addAll).mapEmpty());
    }
    for (Queued x : m) {
      chain = chain.compose(v -> alone(List.of(), List.of(x), x.job()).map(disabled::addAll).mapEmpty());
    }
    return chain.map(disabled);
  }

  private Future<List<UUID>> alone(List<Recorded> r, List<Queued> m, DeliveryJob job) {
    return pool.withTransaction(conn -> write(conn, r, m)).recover(e -> {
      if (!DatabaseFailures.refusedValue(e)) {
        return Future.failedFuture(e);
      }
      LOG.error("The database refused the result of delivery {} ({}); it is attempted again when its lease ends",
        job.deliveryId(), e.getMessage());
      metrics.moveDropped();
      return Future.succeededFuture(List.of());
    });
  }

  /** One batch in one transaction: attempts, rows (first, advanced, moved), stats, health, auto-disable. */
  private Future<List<UUID>> write(SqlConnection conn, List<Recorded> r, List<Queued> m) {
    List<Recorded> byId = new ArrayList<>(r);
    byId.sort(Comparator.comparing(x -> x.job().deliveryId()));
    List<Attempt> attempts = byId.stream().map(Recorded::attempt).toList();
    List<DeliveryStore.First> first = firstRows(byId, m);
    List<DeliveryStore.Advance> advanced = byId.stream().filter(x -> x.job().unrecorded() == null)
      .map(this::advance).toList();
    List<DeliveryStore.Moved> movedRows = m.stream().filter(x -> x.job().unrecorded() == null)
      .sorted(Comparator.comparing(x -> x.job().deliveryId()))
      .map(x -> new DeliveryStore.Moved(x.job().deliveryId(), x.kind(), x.at(), x.reason(), x.job().createdAt()))
      .toList();
    List<UUID> subscriptions = attempts.stream().map(a -> a.job().subscriptionId()).distinct().sorted().toList();
    Set<UUID> failing = new HashSet<>();
    Set<UUID> gone = new HashSet<>();
    for (Recorded x : byId) {
      if (x.decision() == Decision.GONE) {
        gone.add(x.job().subscriptionId());
      }
      if (!x.attempt().succeeded()) {
        failing.add(x.job().subscriptionId());
      }
    }
    return stores.attempts().insert(conn, attempts)
      .compose(v -> insertFirst(conn, first))
      .compose(v -> stores.deliveries().advance(conn, advanced))
      .compose(v -> stores.stats().add(conn, attempts))
      .compose(v -> subscriptions.isEmpty() ? Future.succeededFuture(Map.<UUID, Double>of())
        : stores.stats().successRates(conn, subscriptions))
      .compose(rates -> stores.subscriptions().recordHealth(conn, health(byId, rates)))
      .compose(v -> stores.deliveries().move(conn, movedRows))
      .compose(v -> stores.subscriptions().autoDisable(conn, failing, gone, autoDisable.afterExhaustedDeliveries(),
        autoDisable.afterFailingFor().toMillis(), clock.instant()));
  }

  /**
   * The first rows go only to subscriptions that still exist (a deleted one took its deliveries with it),
   * and those are kept from deletion until this transaction ends.
   */
  private Future<Void> insertFirst(SqlConnection conn, List<DeliveryStore.First> first) {
    if (first.isEmpty()) {
      return Future.succeededFuture();
    }
    return stores.subscriptions().lockExisting(conn, first.stream().map(f -> f.job().subscriptionId()).toList())
      .compose(existing -> stores.deliveries().insertFirst(conn,
        first.stream().filter(f -> existing.containsKey(f.job().subscriptionId())).toList()));
  }

  private DeliveryStore.Advance advance(Recorded r) {
    Attempt a = r.attempt();
    return new DeliveryStore.Advance(a.job().deliveryId(), a.number(), r.decision().status(),
      r.decision() == Decision.RETRY ? r.nextAttemptAt() : clock.instant(), a.status(), a.failureReason(),
      a.job().createdAt());
  }

  /**
   * The rows of deliveries that have none yet (attempted or moved straight from ingest), in id order. One
   * row per delivery, even if it was somehow queued twice: PostgreSQL refuses to upsert a row twice in one
   * statement, and the transaction would fail again on every retry.
   */
  private List<DeliveryStore.First> firstRows(List<Recorded> recorded, List<Queued> moved) {
    Instant now = clock.instant();
    Map<UUID, DeliveryStore.First> rows = new TreeMap<>();
    for (Recorded x : recorded) {
      DeliveryJob job = x.job();
      if (job.unrecorded() != null) {
        rows.put(job.deliveryId(), new DeliveryStore.First(job, x.decision().status(), x.attempt().number(),
          x.decision() == Decision.RETRY ? x.nextAttemptAt() : now, x.attempt().status(), x.attempt().failureReason()));
      }
    }
    for (Queued x : moved) {
      if (x.job().unrecorded() != null) {
        rows.put(x.job().deliveryId(), switch (x.kind()) {
          case HOLD -> new DeliveryStore.First(x.job(), DeliveryStatus.HELD, 0, now, null, null);
          case SKIP -> new DeliveryStore.First(x.job(), DeliveryStatus.FAILED, 0, now, null, x.reason());
          // Parked: no due time (null is written as 'infinity').
          case PARK -> new DeliveryStore.First(x.job(), DeliveryStatus.PENDING, 0, null, null, null);
          case POSTPONE -> new DeliveryStore.First(x.job(), DeliveryStatus.PENDING, 0, x.at(), null, null);
        });
      }
    }
    return List.copyOf(rows.values());
  }

  /** Each subscription's health after the batch, its attempts taken in the order they were made. */
  private static List<SubscriptionStore.Health> health(List<Recorded> rows, Map<UUID, Double> rates) {
    final class Running {
      OffsetDateTime lastSuccess;
      OffsetDateTime lastFailure;
      String failureReason;
      boolean succeeded;
      boolean lastOk;
      int exhausted;
    }
    Map<UUID, Running> bySubscription = new HashMap<>();
    List<Recorded> inTime = new ArrayList<>(rows);
    inTime.sort(Comparator.comparing(x -> x.attempt().startedAt()));
    for (Recorded r : inTime) {
      Attempt a = r.attempt();
      Running h = bySubscription.computeIfAbsent(a.job().subscriptionId(), k -> new Running());
      if (a.succeeded()) {
        h.lastSuccess = a.startedAt();
        h.succeeded = true;
      } else {
        h.lastFailure = a.startedAt();
        h.failureReason = a.failureReason();
      }
      h.lastOk = a.succeeded();
      if (r.decision() == Decision.EXHAUSTED || r.decision() == Decision.GONE) {
        h.exhausted++;
      }
    }
    List<SubscriptionStore.Health> health = new ArrayList<>(bySubscription.size());
    bySubscription.forEach((id, h) -> health.add(new SubscriptionStore.Health(id, h.lastSuccess, h.lastFailure,
      h.failureReason, h.succeeded, h.lastOk, h.exhausted, rates.get(id))));
    return health;
  }

  private void disabled(List<UUID> subscriptions) {
    for (UUID id : subscriptions) {
      LOG.warn("Subscription {} was disabled automatically after sustained delivery failures", id);
      index.refresh(id);
    }
  }

  /** Tells the ledgers tracking them (this node's or another member's) that these deliveries have their rows. */
  private void firstRowsWritten(List<Recorded> recorded, List<Queued> moved) {
    Map<String, List<UUID>> byNode = new HashMap<>();
    recorded.forEach(x -> written(byNode, x.job()));
    moved.forEach(x -> written(byNode, x.job()));
    byNode.forEach((node, ids) -> ledger.recorded(vertx, node, ids));
  }

  private static void written(Map<String, List<UUID>> byNode, DeliveryJob job) {
    if (job.unrecorded() != null) {
      byNode.computeIfAbsent(job.unrecorded().node(), k -> new ArrayList<>()).add(job.deliveryId());
    }
  }

  /** Writes whatever is queued; used at shutdown so results of finished attempts are not left to lease expiry. */
  public Future<Void> drain(long deadline) {
    synchronized (this) {
      if ((recorded.isEmpty() && moved.isEmpty() && !writing) || System.currentTimeMillis() > deadline) {
        return Future.succeededFuture();
      }
    }
    return vertx.timer(20).compose(v -> {
      writeQueued();
      return drain(deadline);
    });
  }
}
