package io.hookgate.retention;

import io.hookgate.config.HookgateConfig;
import io.hookgate.db.Partitions.Partition;
import io.hookgate.db.Partitions.Table;
import io.hookgate.db.Partitions;
import io.hookgate.db.Pools;
import io.hookgate.engine.AttemptStore;
import io.hookgate.engine.DeliveryStore;
import io.hookgate.engine.Engine;
import io.hookgate.engine.EventStore;
import io.hookgate.engine.StatsStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps history bounded: partitions are created ahead of need and, once they pass the retention, dropped
 * whole. A delivery that is not final when its partition goes (retrying, held, parked, pending) is carried
 * over, with its event and its attempts in that partition, into its table's default partition, where the
 * scheduler finds it as before; once final and past the retention it goes too.
 *
 * <p>Every node creates partitions (safely at once, see {@link Partitions}); one node at a time drops them,
 * holding a session advisory lock for the run. A drop first detaches the partition (a brief lock on its
 * table, given up after {@code lock-timeout} until the next check), then carries and drops in one
 * transaction; a detached partition a crash left behind is finished by the next run.
 *
 * <p>A verticle of its own: everything runs on its event loop, every step asynchronous.
 */
public final class Retention extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
  private static final long RUN_LOCK = 0x48_47_52_45_54_4EL;
  /** Events, deliveries and attempts share the grid and the retention; the stats roll-up has its own. */
  private static final List<Table> HISTORY = List.of(DeliveryStore.TABLE, EventStore.TABLE, AttemptStore.TABLE);
  private static final List<Table> ALL = List.of(DeliveryStore.TABLE, EventStore.TABLE, AttemptStore.TABLE, StatsStore.TABLE);

  private final HookgateConfig.Database database;
  private final HookgateConfig.Retention config;
  private Pool pool;
  private final Engine.Stores stores;
  private final Clock clock;
  private final Map<String, TableGauges> gauges = new HashMap<>();
  private final Map<String, Counter> dropped = new HashMap<>();
  private final Counter carried;
  private final AtomicLong lastRun = new AtomicLong();
  private final AtomicLong lastDropped = new AtomicLong();
  private boolean running;

  /** What the gauges show of one table, refreshed on every check. */
  private static final class TableGauges {
    final AtomicLong partitions = new AtomicLong();
    final AtomicLong oldestStart = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong outsidePartitions = new AtomicLong();
  }

  public Retention(HookgateConfig config, Engine.Stores stores, MeterRegistry registry, Clock clock) {
    this.database = config.database();
    this.config = config.retention();
    this.stores = stores;
    this.clock = clock;
    for (Table table : ALL) {
      TableGauges g = new TableGauges();
      gauges.put(table.name(), g);
      Gauge.builder("hookgate_history_partitions", g.partitions, AtomicLong::get).tag("table", table.name())
        .description("Time partitions the table has (the default partition not counted)").register(registry);
      Gauge.builder("hookgate_history_oldest_partition_start_seconds", g.oldestStart, AtomicLong::get)
        .tag("table", table.name())
        .description("Start of the table's oldest partition, Unix seconds (0 for the partition kept from before partitioning)")
        .register(registry);
      Gauge.builder("hookgate_history_table_bytes", g.bytes, AtomicLong::get).tag("table", table.name())
        .description("Bytes on disk of the table's partitions, indexes and TOAST included").register(registry);
      Gauge.builder("hookgate_history_default_partition_rows", g.outsidePartitions, AtomicLong::get)
        .tag("table", table.name())
        .description("Rows in the table's default partition: carried past retention while unfinished, or outside every partition")
        .register(registry);
      dropped.put(table.name(), Counter.builder("hookgate_retention_dropped_partitions").tag("table", table.name())
        .description("Partitions dropped by retention").register(registry));
    }
    carried = Counter.builder("hookgate_retention_carried_deliveries")
      .description("Unfinished deliveries carried into the default partition when their partition was dropped")
      .register(registry);
    Gauge.builder("hookgate_retention_last_run_timestamp_seconds", lastRun, AtomicLong::get)
      .description("When this node last checked partitions and retention, Unix seconds").register(registry);
    Gauge.builder("hookgate_retention_last_run_dropped_partitions", lastDropped, AtomicLong::get)
      .description("Partitions the last retention run on this node dropped").register(registry);
  }

  /** Creates the partitions needed now and ahead (deployed once they exist), then checks on a timer. */
  @Override
  public Future<?> start() {
    pool = Pools.pool(vertx, database, "retention", 2);
    return ensure().onSuccess(v -> vertx.setPeriodic(config.checkInterval().toMillis(), id -> check()));
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }

  /** Runs a check now, on this verticle's event loop, from any thread (operators' tooling, tests). */
  public Future<Void> checkNow() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> check().onComplete(done));
    return done.future();
  }

  /** One check: partitions ahead, expired ones dropped, gauges refreshed. Never two at once on a node. */
  private Future<Void> check() {
    if (running) {
      return Future.succeededFuture();
    }
    running = true;
    return ensure()
      .compose(v -> expire())
      .compose(v -> observe())
      .onFailure(e -> LOG.warn("Partition upkeep failed, trying again in {}: {}", config.checkInterval(), e.getMessage()))
      .eventually(() -> {
        running = false;
        lastRun.set(clock.instant().getEpochSecond());
        return Future.succeededFuture();
      });
  }

  private Future<Void> ensure() {
    Instant now = clock.instant();
    Duration interval = config.partitionInterval();
    Future<Void> chain = Future.succeededFuture();
    for (Table table : HISTORY) {
      chain = chain.compose(v -> Partitions.ensure(pool, table, interval, now.minus(interval),
        now.plus(interval.multipliedBy(config.partitionsAhead()))).map(this::created));
    }
    Duration statsInterval = config.statsPartitionInterval();
    return chain.compose(v -> Partitions.ensure(pool, StatsStore.TABLE, statsInterval, now.minus(statsInterval),
      now.plus(statsInterval.multipliedBy(2))).map(this::created));
  }

  private Void created(List<String> names) {
    names.forEach(name -> LOG.info("Created partition {}", name));
    return null;
  }

  /** Drops what has passed the retention, on one node at a time. */
  private Future<Void> expire() {
    if (config.keepsHistoryForever() && config.keepsStatsForever()) {
      return Future.succeededFuture();
    }
    return pool.getConnection().compose(lockHolder -> lockHolder.preparedQuery("SELECT pg_try_advisory_lock($1)")
      .execute(Tuple.of(RUN_LOCK))
      .compose(rows -> {
        if (!rows.iterator().next().getBoolean(0)) {
          return Future.<Void>succeededFuture();
        }
        return expireHistory().compose(n -> expireStats().map(m -> n + m))
          .map(n -> {
            lastDropped.set(n);
            return (Void) null;
          })
          .eventually(() -> lockHolder.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(RUN_LOCK)));
      })
      .eventually(lockHolder::close));
  }

  private Future<Integer> expireHistory() {
    if (config.keepsHistoryForever()) {
      return Future.succeededFuture(0);
    }
    Instant cutoff = clock.instant().minus(config.history());
    // Deliveries first: only a partition of events or attempts that no remaining partition of deliveries
    // comes before can go (its unfinished deliveries, carried, say which events and attempts to keep).
    return detachExpired(DeliveryStore.TABLE, cutoff)
      .compose(v -> Partitions.list(pool, DeliveryStore.TABLE))
      .compose(deliveries -> {
        Instant safe = deliveries.stream().filter(p -> !p.detached()).map(Partition::starts)
          .min(Instant::compareTo).orElse(Instant.MAX);
        Instant until = safe.isBefore(cutoff) ? safe : cutoff;
        return detachExpired(EventStore.TABLE, until).compose(v -> detachExpired(AttemptStore.TABLE, until));
      })
      .compose(v -> detachedOf(HISTORY))
      .compose(detached -> detached.isEmpty() ? expireCarried(cutoff).map(0)
        : pool.withTransaction(conn -> carryAndDrop(conn, detached)).compose(n -> expireCarried(cutoff).map(n)));
  }

  private Future<Integer> expireStats() {
    if (config.keepsStatsForever()) {
      return Future.succeededFuture(0);
    }
    return detachExpired(StatsStore.TABLE, clock.instant().minus(config.stats()))
      .compose(v -> detachedOf(List.of(StatsStore.TABLE)))
      .compose(detached -> pool.withTransaction(conn -> drop(conn, detached)));
  }

  /** Detaches, oldest first, the partitions that end by {@code until}; stops at the first that cannot be. */
  private Future<Void> detachExpired(Table table, Instant until) {
    return Partitions.list(pool, table).compose(all -> {
      Future<Void> chain = Future.succeededFuture();
      for (Partition p : all) {
        if (!p.detached() && !p.ends().isAfter(until)) {
          chain = chain.compose(v -> Partitions.detach(pool, p, config.lockTimeout()));
        }
      }
      return chain;
    });
  }

  private Future<List<Partition>> detachedOf(List<Table> tables) {
    Future<List<Partition>> all = Future.succeededFuture(new ArrayList<>());
    for (Table table : tables) {
      all = all.compose(list -> Partitions.list(pool, table).map(ps -> {
        ps.stream().filter(Partition::detached).forEach(list::add);
        return list;
      }));
    }
    return all;
  }

  /**
   * In one transaction: the unfinished deliveries of the detached partitions of deliveries move into the
   * default partition, then the events and attempts every unfinished delivery there needs from the
   * detached partitions, then every detached partition is dropped.
   */
  private Future<Integer> carryAndDrop(SqlConnection conn, List<Partition> detached) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (Partition p : detached) {
      if (p.table().equals(DeliveryStore.TABLE.name())) {
        chain = chain.compose(n -> stores.deliveries().carryFrom(conn, p.name()).map(c -> n + c));
      }
    }
    return chain.compose(n -> {
      carried.increment(n);
      return stores.deliveries().carried(conn);
    }).compose(kept -> {
      List<String> events = kept.stream().map(DeliveryStore.Carried::eventId).distinct().toList();
      List<java.util.UUID> deliveries = kept.stream().map(DeliveryStore.Carried::id).toList();
      Future<Void> moves = Future.succeededFuture();
      for (Partition p : detached) {
        if (p.table().equals(EventStore.TABLE.name())) {
          moves = moves.compose(v -> stores.events().carryFrom(conn, p.name(), events).mapEmpty());
        } else if (p.table().equals(AttemptStore.TABLE.name())) {
          moves = moves.compose(v -> stores.attempts().carryFrom(conn, p.name(), deliveries).mapEmpty());
        }
      }
      return moves;
    }).compose(v -> drop(conn, detached));
  }

  private Future<Integer> drop(SqlConnection conn, List<Partition> detached) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (Partition p : detached) {
      chain = chain.compose(n -> Partitions.bytes(conn, p).compose(bytes -> Partitions.drop(conn, p).map(v -> {
        LOG.info("Retention dropped partition {} ({} to {}, {} bytes)", p.name(), p.legacy() ? "the beginning" : p.starts(),
          p.ends(), bytes);
        dropped.get(p.table()).increment();
        return n + 1;
      })));
    }
    return chain;
  }

  /** Carried deliveries that have since finished, and what only they needed, go once past the retention. */
  private Future<Void> expireCarried(Instant cutoff) {
    return pool.withTransaction(conn -> stores.deliveries().expireCarried(conn, cutoff)
      .compose(n -> stores.deliveries().carried(conn))
      .compose(kept -> stores.events().expireCarried(conn, cutoff,
          kept.stream().map(DeliveryStore.Carried::eventId).distinct().toList())
        .compose(n -> stores.attempts().expireCarried(conn, cutoff, kept.stream().map(DeliveryStore.Carried::id).toList()))))
      .mapEmpty();
  }

  private Future<Void> observe() {
    Future<Void> chain = Future.succeededFuture();
    for (Table table : ALL) {
      TableGauges g = gauges.get(table.name());
      chain = chain.compose(v -> Partitions.list(pool, table)).compose(ps -> {
        List<Partition> attached = ps.stream().filter(p -> !p.detached()).toList();
        g.partitions.set(attached.size());
        g.oldestStart.set(attached.stream().map(Partition::starts).min(Instant::compareTo)
          .map(t -> t.equals(Instant.MIN) ? 0 : t.getEpochSecond()).orElse(0L));
        return Partitions.bytes(pool, table);
      }).compose(bytes -> {
        g.bytes.set(bytes);
        return Partitions.defaultRows(pool, table);
      }).map(rows -> {
        if (rows > g.outsidePartitions.get()) {
          LOG.warn("{} rows of {} are outside its time partitions (carried unfinished past retention, or written"
            + " where no partition was)", rows, table.name());
        }
        g.outsidePartitions.set(rows);
        return null;
      });
    }
    return chain;
  }
}
