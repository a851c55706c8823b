package io.hookgate.ingest;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import io.hookgate.db.DatabaseFailures;
import io.hookgate.engine.DeliveryJob;
import io.hookgate.engine.DeliveryMetrics;
import io.hookgate.engine.DeliveryStatus;
import io.hookgate.engine.DeliveryStore;
import io.hookgate.engine.EventStore;
import io.hookgate.engine.FanoutLedger;
import io.hookgate.engine.JobSender;
import io.hookgate.http.ApiError;
import io.hookgate.limits.InFlightLimits;
import io.hookgate.logging.LogFields;
import io.hookgate.subscription.SubscriptionIndex;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Writes events with group commit (docs/decisions/001-group-commit-ingest.md): requests that arrive
 * while a write is in flight are queued and written together in the next one (and, with no write in
 * flight, a handful of events waits up to {@code ingest.commit-wait-ms} for company), as one statement
 * that is atomic without an explicit transaction. Requests are answered only after their statement
 * committed; then the new deliveries go out on the event bus as jobs without a row: the event row's
 * fan-out is their durable record until the first attempt's result writes the row ({@link FanoutLedger},
 * docs/decisions/002-write-once-delivery-rows.md). Deliveries that will not be attempted now (held,
 * failed, or deferred while the node has no slot free) are written as rows in the same transaction.
 *
 * <p>Idempotency: an event id that already exists is not written again and creates no deliveries; its
 * original result is reported.
 *
 * <p>One writer per API verticle, confined to that verticle's event loop: it needs no locking.
 */
public final class IngestWriter {
  private static final Logger LOG = LoggerFactory.getLogger(IngestWriter.class);

  /** Outcome reported to the platform for one event. */
  public record Result(String id, int deliveries, boolean duplicate) {
  }

  private record Delivery(UUID id, SubscriptionIndex.Target target, DeliveryStatus status, String failureReason) {
    /** Attempted now (if a slot is free), rather than written held or failed. */
    boolean dispatched() {
      return status == DeliveryStatus.PENDING;
    }
  }

  private record Item(NewEvent event, List<Delivery> deliveries) {
  }

  /**
   * Where a request's events come from, recorded on each: the API request's id, and the W3C
   * {@code traceparent} of its ingest span (null when tracing is off), which its deliveries' attempts continue.
   */
  public record Origin(String requestId, String traceparent) {
    public static final Origin NONE = new Origin(null, null);
  }

  /** The events of one API request, where they come from, and the promise that answers it. */
  private record Request(List<Item> items, Origin origin, Promise<List<Result>> promise) {
  }

  /** Queued events that are written without waiting for more (the commit wait is for a handful). */
  private static final int WRITE_AT_ONCE = 8;
  /** Rows (events and deliveries) one statement takes at most; the rest wait for the next. */
  private static final int MAX_ROWS_PER_WRITE = 20_000;

  /**
   * Version 7 UUIDs start with the time, so new deliveries go to the right-hand end of the primary-key
   * b-tree instead of random pages (fewer pages dirtied and written to the WAL per insert).
   */
  private static final TimeBasedEpochGenerator DELIVERY_IDS = Generators.timeBasedEpochGenerator();

  private final Vertx vertx;
  private final Pool pool;
  private final EventStore events;
  private final DeliveryStore deliveries;
  private final FanoutLedger ledger;
  private final JobSender jobs;
  private final DeliveryMetrics metrics;
  private final InFlightLimits limits;
  private final long commitWaitMs;
  private final List<Request> queue = new ArrayList<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();
  private int queuedEvents;
  private boolean writing;
  /** No write in flight, and a few events wait {@link #commitWaitMs} for more to join them. */
  private boolean waiting;

  public IngestWriter(Vertx vertx, Pool pool, EventStore events, DeliveryStore deliveries, FanoutLedger ledger,
                      JobSender jobs, long commitWaitMs, DeliveryMetrics metrics, InFlightLimits limits) {
    this.vertx = vertx;
    this.pool = pool;
    this.events = events;
    this.deliveries = deliveries;
    this.ledger = ledger;
    this.jobs = jobs;
    this.commitWaitMs = commitWaitMs;
    this.metrics = metrics;
    this.limits = limits;
  }

  /**
   * Matches each event to its subscriptions and writes them, recording their {@code origin} on each;
   * completes after the commit.
   */
  public Future<List<Result>> write(List<NewEvent> newEvents, SubscriptionIndex index, Origin origin) {
    List<Item> items = new ArrayList<>(newEvents.size());
    for (NewEvent event : newEvents) {
      List<Delivery> fanout = new ArrayList<>();
      for (SubscriptionIndex.Target target : index.match(event.type(), event.merchantId(), event.inventoryLocation(),
        event.applicationIds())) {
        UUID id = DELIVERY_IDS.generate();
        fanout.add(switch (target.status()) {
          case ACTIVE -> new Delivery(id, target, DeliveryStatus.PENDING, null);
          case PAUSED -> new Delivery(id, target, DeliveryStatus.HELD, null);
          case DISABLED -> new Delivery(id, target, DeliveryStatus.FAILED, "subscription_disabled");
        });
      }
      items.add(new Item(event, fanout));
    }
    Promise<List<Result>> promise = Promise.promise();
    queue.add(new Request(items, origin, promise));
    queuedEvents += items.size();
    if (!writing && !waiting) {
      if (commitWaitMs == 0 || queuedEvents >= WRITE_AT_ONCE) {
        writeQueued();
      } else {
        waiting = true;
        vertx.setTimer(commitWaitMs, id -> {
          waiting = false;
          if (!writing && !queue.isEmpty()) {
            writeQueued();
          }
        });
      }
    }
    return promise.future();
  }

  /** Completes once nothing is queued or being written (a stopping API verticle waits for this). */
  public Future<Void> idle() {
    if (!writing && queue.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> idle = Promise.promise();
    idleWaiters.add(idle);
    return idle.future();
  }

  private void writeQueued() {
    List<Request> batch = new ArrayList<>();
    int rows = 0;
    while (!queue.isEmpty() && (batch.isEmpty() || rows < MAX_ROWS_PER_WRITE)) {
      Request next = queue.remove(0);
      queuedEvents -= next.items().size();
      batch.add(next);
      for (Item item : next.items()) {
        rows += 1 + item.deliveries().size();
      }
    }
    writing = true;
    write(batch).onComplete(done -> {
      writing = false;
      if (!queue.isEmpty()) {
        writeQueued();
      } else {
        idleWaiters.forEach(Promise::complete);
        idleWaiters.clear();
      }
    });
  }

  private Future<Void> write(List<Request> batch) {
    // The same id twice in one batch is written once; the later copies are reported as duplicates.
    Set<String> ids = new HashSet<>();
    List<Item> unique = new ArrayList<>();
    Map<Item, Origin> origins = new IdentityHashMap<>();
    for (Request request : batch) {
      for (Item item : request.items()) {
        if (ids.add(item.event().id())) {
          unique.add(item);
          origins.put(item, request.origin());
        }
      }
    }
    // Overload: with no in-flight slot free on this node, handing these deliveries to a dispatcher would
    // only park them in memory and then postpone them one UPDATE at a time. They are written as rows, due
    // now and unleased, instead, and the scheduler claims them as slots free up (on any node).
    boolean dispatch = limits.available() > 0;
    Map<UUID, String> fanout = new HashMap<>();
    List<EventStore.New> rows = new ArrayList<>(unique.size());
    List<DeliveryStore.Born> born = new ArrayList<>();
    for (Item item : unique) {
      NewEvent e = item.event();
      List<UUID> fanned = new ArrayList<>();
      List<UUID> fannedSubscriptions = new ArrayList<>();
      for (Delivery d : item.deliveries()) {
        if (dispatch && d.dispatched()) {
          fanout.put(d.id(), e.id());
          fanned.add(d.id());
          fannedSubscriptions.add(d.target().id());
        } else {
          born.add(new DeliveryStore.Born(d.id(), e.id(), d.target().id(), d.target().applicationId(), e.type(),
            d.status(), d.failureReason()));
        }
      }
      rows.add(new EventStore.New(e.id(), e.type(), e.merchantId(), e.occurredAt(), e.livemode(),
        e.applicationIdsJson(), e.body(), item.deliveries().size(), fanned, fannedSubscriptions,
        origins.get(item).requestId(), origins.get(item).traceparent()));
    }
    Instant receivedAt = ledger.open(fanout);
    Future<Set<String>> inserted = born.isEmpty()
      ? events.insert(pool, rows, receivedAt, ledger.node())
      : pool.withTransaction(conn -> events.insert(conn, rows, receivedAt, ledger.node())
        .compose(written -> deliveries.insertBorn(conn,
          born.stream().filter(b -> written.contains(b.eventId())).toList(), receivedAt).map(written)));
    return inserted
      .compose(written -> {
        List<Item> fresh = new ArrayList<>();
        Set<String> duplicates = new HashSet<>(ids);
        for (Item item : unique) {
          if (written.contains(item.event().id())) {
            fresh.add(item);
            duplicates.remove(item.event().id());
          }
        }
        ledger.forget(fanout.entrySet().stream().filter(e -> !written.contains(e.getValue())).map(Map.Entry::getKey)
          .toList());
        return events.deliveriesCount(pool, duplicates).map(originals -> {
          metrics.ingested(fresh.size());
          if (dispatch) {
            dispatch(fresh, receivedAt, origins);
          } else {
            metrics.deferred(fresh.stream().mapToInt(item -> item.deliveries().size()).sum());
          }
          answer(batch, fresh, originals);
          return (Void) null;
        });
      })
      .recover(e -> failed(batch, fanout.keySet(), e));
  }

  /** Each request's results: the first copy of a new event made its deliveries; every other copy is a duplicate. */
  private static void answer(List<Request> batch, List<Item> fresh, Map<String, Integer> originals) {
    Map<String, Integer> counts = new HashMap<>(originals);
    Map<Item, Boolean> firsts = new IdentityHashMap<>();
    for (Item item : fresh) {
      counts.put(item.event().id(), item.deliveries().size());
      firsts.put(item, true);
    }
    for (Request request : batch) {
      List<Result> results = new ArrayList<>(request.items().size());
      for (Item item : request.items()) {
        String id = item.event().id();
        results.add(firsts.containsKey(item) ? new Result(id, item.deliveries().size(), false)
          : new Result(id, counts.getOrDefault(id, 0), true));
      }
      request.promise().complete(results);
    }
  }

  /**
   * A write failed. When PostgreSQL refused a value the statement was given, nothing of the batch was
   * written, and one request's bad value must not fail the others that shared its commit: each request is
   * written again on its own, and only the one that carries the value fails (400). Any other failure
   * fails the whole batch: whether it was written is not known now, so its deliveries stay in the ledger
   * (if the events were written, the ledger writes their rows a lease from now, and a retried request
   * finds them duplicates).
   */
  private Future<Void> failed(List<Request> batch, Set<UUID> fanout, Throwable e) {
    if (!DatabaseFailures.refusedValue(e)) {
      batch.forEach(request -> request.promise().tryFail(e));
      return Future.succeededFuture();
    }
    ledger.forget(fanout);
    if (batch.size() == 1) {
      try (LogFields fields = LogFields.of(LogFields.REQUEST_ID, batch.get(0).origin().requestId())) {
        LOG.info("An ingest request was refused by the database: {}", e.getMessage());
      }
      batch.get(0).promise().tryFail(ApiError.invalid("The request holds a value that cannot be stored; nothing was written"));
      return Future.succeededFuture();
    }
    Future<Void> alone = Future.succeededFuture();
    for (Request request : batch) {
      alone = alone.compose(v -> write(List.of(request)));
    }
    return alone;
  }

  /**
   * The fast path: deliveries go to a dispatcher now, with no row; the first attempt's result writes it.
   * If this node dies first, the fan-out in the event row brings them back (FanoutLedger).
   */
  private void dispatch(List<Item> written, Instant receivedAt, Map<Item, Origin> origins) {
    for (Item item : written) {
      String traceparent = origins.get(item).traceparent();
      for (Delivery d : item.deliveries()) {
        if (d.dispatched()) {
          jobs.send(new DeliveryJob(d.id(), item.event().id(), d.target().id(),
            item.event().type(), 0, item.event().body(), receivedAt,
            new DeliveryJob.Unrecorded(ledger.node(), d.target().applicationId()), traceparent));
        }
      }
    }
  }
}
