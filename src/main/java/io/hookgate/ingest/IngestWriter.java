package io.hookgate.ingest;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import io.hookgate.db.DatabaseFailures;
import io.hookgate.engine.DeliveryJob;
import io.hookgate.http.ApiError;
import io.hookgate.engine.DeliveryMetrics;
import io.hookgate.engine.FanoutLedger;
import io.hookgate.limits.InFlightLimits;
import io.hookgate.subscription.SubscriptionIndex;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Writes events and their deliveries with group commit: requests that arrive while a write is in
 * flight are queued and written together in the next one (and, with no write in flight, a handful of
 * events waits up to {@code ingest.commit-wait-ms} for company), as a single statement (multi-row
 * {@code unnest} inserts of events and deliveries, atomic without an explicit transaction). Requests
 * are answered only after their statement committed; then the new deliveries go out on the event bus,
 * as jobs without a row: the event row's fan-out is their durable record until the first attempt's
 * result writes the row ({@link FanoutLedger}).
 *
 * <p>By default each API verticle has its own writer on its own event loop. With {@code ingest.writers}
 * the API verticles share writers that live on event loops of their own: a request is matched to its
 * subscriptions on the loop that received it, handed to the writer's loop, and answered back on its
 * own, so the events of every loop share each commit (loadtest/README.md, session 10, measures both).
 *
 * <p>Idempotency: an event id that already exists is not written again and creates no deliveries;
 * its original result is reported. Its state is confined to its own event loop, so it needs no locking.
 */
public final class IngestWriter {
  private static final Logger LOG = LoggerFactory.getLogger(IngestWriter.class);
  /** Outcome reported to the platform for one event. */
  public record Result(String id, int deliveries, boolean duplicate) {
  }

  private record Delivery(UUID id, SubscriptionIndex.Target target, String status, String failureReason) {
    /** Attempted now (if a slot is free), rather than written held or failed. */
    boolean dispatched() {
      return status.equals("pending");
    }
  }

  private record Item(NewEvent event, List<Delivery> deliveries) {
  }

  /** Events of one API request, and the context (not a request's duplicate of it) that answers it. */
  private record Request(List<Item> items, Context caller, Promise<List<Result>> promise) {
  }

  // Deliveries that go straight to a dispatcher are not rows yet: the event row carries them as its fan-out
  // (FanoutLedger). Rows are written here only for deliveries that will not be attempted now: held
  // (paused), failed (disabled), or deferred for the scheduler because this node has no slot free.
  private static final String INSERT = """
    WITH ev AS (
      INSERT INTO events (id, type, merchant_id, occurred_at, received_at, livemode, application_ids, body,
                          deliveries_count, ingest_node, fanout, fanout_subscriptions)
      SELECT e.id, e.type, e.merchant_id, e.occurred_at, $19, e.livemode, e.application_ids::jsonb, e.body, e.deliveries,
             CASE WHEN e.fanout IS NOT NULL THEN $18 END, e.fanout::uuid[], e.fanout_subscriptions::uuid[]
        FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bool[], $6::text[], $7::text[], $8::int[],
                    $9::text[], $10::text[])
             AS e(id, type, merchant_id, occurred_at, livemode, application_ids, body, deliveries, fanout,
                  fanout_subscriptions)
      ON CONFLICT (id) DO NOTHING
      RETURNING id),
    dl AS (
      INSERT INTO deliveries (id, event_id, subscription_id, application_id, event_type, status, next_attempt_at,
                              last_failure_reason, created_at, completed_at)
      SELECT d.id, d.event_id, d.subscription_id, d.application_id, d.event_type, d.status, now(), d.reason, $19,
             CASE WHEN d.status = 'failed' THEN now() END
        FROM unnest($11::uuid[], $12::text[], $13::uuid[], $14::uuid[], $15::text[], $16::text[], $17::text[])
             AS d(id, event_id, subscription_id, application_id, event_type, status, reason)
       WHERE d.event_id IN (SELECT id FROM ev))
    SELECT id FROM ev""";
  /**
   * Queued events that are written without waiting for more. At 2,000 events/s (two writers) batches
   * were 2.4 events on average: each paid a statement, a commit and the wake-ups of a round trip.
   */
  private static final int WRITE_AT_ONCE = 8;
  /** Rows (events and deliveries) one statement takes at most; the rest wait for the next. */
  private static final int MAX_ROWS_PER_WRITE = 20_000;
  private static final String ORIGINALS = "SELECT id, deliveries_count FROM events WHERE id = ANY($1)";

  /**
   * Version 7 UUIDs start with the time, so new deliveries go to the right-hand end of the primary-key
   * b-tree instead of random pages (fewer pages dirtied and written to the WAL per insert).
   */
  private static final TimeBasedEpochGenerator DELIVERY_IDS = Generators.timeBasedEpochGenerator();

  private final Vertx vertx;
  /** The writer's event loop: its queue, its timer and its statements live there. */
  private final Context home;
  private final Pool pool;
  private final FanoutLedger ledger;
  private final DeliveryMetrics metrics;
  private final InFlightLimits limits;
  private final List<Request> queue = new ArrayList<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();
  private final long commitWaitMs;
  private int queuedEvents;
  private boolean writing;
  /** No write in flight, and a few events wait {@link #commitWaitMs} for more to join them. */
  private boolean waiting;

  /** A writer whose state lives on {@code home}'s event loop. */
  public IngestWriter(Vertx vertx, Context home, Pool pool, FanoutLedger ledger, long commitWaitMs,
                      DeliveryMetrics metrics, InFlightLimits limits) {
    this.commitWaitMs = commitWaitMs;
    this.limits = limits;
    this.metrics = metrics;
    this.vertx = vertx;
    this.home = base(home);
    this.pool = pool;
    this.ledger = ledger;
  }

  /**
   * Matches each event to its subscriptions (on the caller's event loop) and writes them; completes on
   * the caller's event loop after the commit.
   */
  public Future<List<Result>> write(List<NewEvent> events, SubscriptionIndex index) {
    List<Item> items = new ArrayList<>(events.size());
    for (NewEvent event : events) {
      List<Delivery> deliveries = new ArrayList<>();
      for (SubscriptionIndex.Target target : index.match(event.type(), event.merchantId(), event.inventoryLocation(),
        event.applicationIds())) {
        UUID id = DELIVERY_IDS.generate();
        deliveries.add(switch (target.status()) {
          case ACTIVE -> new Delivery(id, target, "pending", null);
          case PAUSED -> new Delivery(id, target, "held", null);
          case DISABLED -> new Delivery(id, target, "failed", "subscription_disabled");
        });
      }
      items.add(new Item(event, deliveries));
    }
    Promise<List<Result>> promise = Promise.promise();
    Request request = new Request(items, base(vertx.getOrCreateContext()), promise);
    if (request.caller() == home) {
      enqueue(request);
    } else {
      home.runOnContext(v -> enqueue(request));
    }
    return promise.future();
  }

  /**
   * The context itself rather than the duplicate of it that Vert.x runs each HTTP request on: a request
   * on the writer's own event loop is then queued and answered in place, with no task in between.
   */
  private static Context base(Context context) {
    return ((ContextInternal) context).unwrap();
  }

  private void enqueue(Request request) {
    queue.add(request);
    queuedEvents += request.items().size();
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
    for (Request request : batch) {
      for (Item item : request.items()) {
        if (ids.add(item.event().id())) {
          unique.add(item);
        }
      }
    }
    // Overload: with no in-flight slot free on this node, handing these deliveries to a dispatcher would
    // only park them in memory and then postpone them one UPDATE at a time. They are written as rows, due
    // now and unleased, instead, and the scheduler claims them as slots free up (on any node).
    boolean dispatch = limits.available() > 0;
    Map<UUID, String> fanout = new HashMap<>();
    if (dispatch) {
      for (Item item : unique) {
        for (Delivery d : item.deliveries()) {
          if (d.dispatched()) {
            fanout.put(d.id(), item.event().id());
          }
        }
      }
    }
    Instant receivedAt = ledger.open(fanout);
    return pool.preparedQuery(INSERT).execute(arguments(unique, dispatch, receivedAt))
      .compose(rows -> {
        Set<String> inserted = new HashSet<>();
        rows.forEach(row -> inserted.add(row.getString(0)));
        List<Item> written = new ArrayList<>();
        Set<String> duplicates = new HashSet<>(ids);
        for (Item item : unique) {
          if (inserted.contains(item.event().id())) {
            written.add(item);
            duplicates.remove(item.event().id());
          }
        }
        ledger.forget(fanout.entrySet().stream().filter(e -> !inserted.contains(e.getValue())).map(Map.Entry::getKey)
          .toList());
        return originals(duplicates).map(originals -> {
          metrics.ingested(written.size());
          if (dispatch) {
            dispatch(written, receivedAt);
          } else {
            metrics.deferred(written.stream().mapToInt(item -> item.deliveries().size()).sum());
          }
          Map<String, Integer> counts = new HashMap<>(originals);
          Set<Item> firsts = Collections.newSetFromMap(new IdentityHashMap<>());
          for (Item item : written) {
            counts.put(item.event().id(), item.deliveries().size());
            firsts.add(item);
          }
          answer(batch, request -> {
            List<Result> results = new ArrayList<>();
            for (Item item : request.items()) {
              String id = item.event().id();
              results.add(firsts.contains(item)
                ? new Result(id, item.deliveries().size(), false)
                : new Result(id, counts.getOrDefault(id, 0), true));
            }
            request.promise().complete(results);
          });
          return (Void) null;
        });
      })
      .recover(e -> failed(batch, fanout.keySet(), e));
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
      answer(batch, request -> request.promise().tryFail(e));
      return Future.succeededFuture();
    }
    ledger.forget(fanout);
    if (batch.size() == 1) {
      LOG.info("An ingest request was refused by the database: {}", e.getMessage());
      answer(batch, request -> request.promise().tryFail(ApiError.invalid(
        "The request holds a value that cannot be stored; nothing was written")));
      return Future.succeededFuture();
    }
    Future<Void> alone = Future.succeededFuture();
    for (Request request : batch) {
      alone = alone.compose(v -> write(List.of(request)));
    }
    return alone;
  }

  /** Completes once nothing is queued or being written (a stopping API verticle waits for this). */
  public Future<Void> idle() {
    Promise<Void> idle = Promise.promise();
    home.runOnContext(v -> {
      if (!writing && queue.isEmpty()) {
        idle.complete();
      } else {
        idleWaiters.add(idle);
      }
    });
    return idle.future();
  }

  /** Settles each request of a batch on its caller's event loop: one hand-over per other loop, not per request. */
  private void answer(List<Request> batch, Consumer<Request> settle) {
    Map<Context, List<Request>> byCaller = new IdentityHashMap<>();
    for (Request request : batch) {
      if (request.caller() == home) {
        settle.accept(request);
      } else {
        byCaller.computeIfAbsent(request.caller(), c -> new ArrayList<>()).add(request);
      }
    }
    byCaller.forEach((caller, requests) -> caller.runOnContext(v -> requests.forEach(settle)));
  }

  private Future<Map<String, Integer>> originals(Set<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return pool.preparedQuery(ORIGINALS).execute(Tuple.of(ids.toArray(String[]::new))).map(rows -> {
      Map<String, Integer> counts = new HashMap<>();
      for (Row row : rows) {
        counts.put(row.getString("id"), row.getInteger("deliveries_count"));
      }
      return counts;
    });
  }

  private Tuple arguments(List<Item> items, boolean dispatch, Instant receivedAt) {
    int n = items.size();
    String[] id = new String[n], type = new String[n], merchant = new String[n], apps = new String[n], body = new String[n];
    String[] fanout = new String[n], fanoutSubscriptions = new String[n];
    java.time.OffsetDateTime[] occurred = new java.time.OffsetDateTime[n];
    Boolean[] live = new Boolean[n];
    Integer[] count = new Integer[n];
    List<UUID> dId = new ArrayList<>(), dSub = new ArrayList<>(), dApp = new ArrayList<>();
    List<String> dEvent = new ArrayList<>(), dType = new ArrayList<>(), dStatus = new ArrayList<>(), dReason = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      NewEvent e = items.get(i).event();
      id[i] = e.id();
      type[i] = e.type();
      merchant[i] = e.merchantId();
      occurred[i] = e.occurredAt();
      live[i] = e.livemode();
      apps[i] = e.applicationIdsJson();
      body[i] = e.body();
      count[i] = items.get(i).deliveries().size();
      StringJoiner fanoutIds = new StringJoiner(",", "{", "}"), fanoutSubs = new StringJoiner(",", "{", "}");
      for (Delivery d : items.get(i).deliveries()) {
        if (dispatch && d.dispatched()) {
          fanoutIds.add(d.id().toString());
          fanoutSubs.add(d.target().id().toString());
          continue;
        }
        dId.add(d.id());
        dEvent.add(e.id());
        dSub.add(d.target().id());
        dApp.add(d.target().applicationId());
        dType.add(e.type());
        dStatus.add(d.status());
        dReason.add(d.failureReason());
      }
      if (fanoutIds.length() > 2) {
        fanout[i] = fanoutIds.toString();
        fanoutSubscriptions[i] = fanoutSubs.toString();
      }
    }
    return Tuple.tuple()
      .addArrayOfString(id).addArrayOfString(type).addArrayOfString(merchant).addArrayOfOffsetDateTime(occurred)
      .addArrayOfBoolean(live).addArrayOfString(apps).addArrayOfString(body).addArrayOfInteger(count)
      .addArrayOfString(fanout).addArrayOfString(fanoutSubscriptions)
      .addArrayOfUUID(dId.toArray(UUID[]::new)).addArrayOfString(dEvent.toArray(String[]::new))
      .addArrayOfUUID(dSub.toArray(UUID[]::new)).addArrayOfUUID(dApp.toArray(UUID[]::new))
      .addArrayOfString(dType.toArray(String[]::new)).addArrayOfString(dStatus.toArray(String[]::new))
      .addArrayOfString(dReason.toArray(String[]::new))
      .addString(ledger.node()).addOffsetDateTime(java.time.OffsetDateTime.ofInstant(receivedAt, ZoneOffset.UTC));
  }

  /**
   * The fast path: deliveries go to a dispatcher now, with no row; the first attempt's result writes it.
   * If this node dies first, the fan-out in the event row brings them back (FanoutLedger).
   */
  private void dispatch(List<Item> written, Instant receivedAt) {
    for (Item item : written) {
      for (Delivery d : item.deliveries()) {
        if (d.dispatched()) {
          vertx.eventBus().send(DeliveryJob.ADDRESS, new DeliveryJob(d.id(), item.event().id(), d.target().id(),
            item.event().type(), 0, item.event().body(),
            new DeliveryJob.Unrecorded(ledger.node(), d.target().applicationId(), receivedAt)));
        }
      }
    }
  }
}
