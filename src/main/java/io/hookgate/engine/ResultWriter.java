package io.hookgate.engine;

import io.hookgate.subscription.Subscription;
import io.hookgate.limits.InFlightLimits;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.DatabaseFailures;
import io.hookgate.http.Json;
import io.hookgate.subscription.SubscriptionIndex;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Writes what dispatchers learn, in batches: attempts, delivery state, hourly stats, subscription
 * health, and auto-disable. Results queue here and are written together by one transaction at a time
 * (never one round trip per attempt). Rows are written in id order so concurrent writers on several
 * nodes cannot deadlock.
 *
 * <p>A delivery's row is only advanced when its attempt count still matches, so a delivery that was
 * re-sent after its lease expired cannot be counted twice. Until its result is written a delivery keeps
 * its lease; if the node dies first, the lease expires and another node re-sends (at-least-once).
 */
public final class ResultWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ResultWriter.class);
  private static final int MAX_BATCH = 2000;
  private static final int MAX_MOVED = 20_000;
  private static final long RETRY_WRITE_MS = 1000;
  /**
   * How long results gather before a write starts. Nothing waits for a result to be written except the
   * in-flight slot it holds (the webhook was already answered), so at moderate rates a longer pause buys
   * fewer, bigger transactions for free: at 2,000 events/s 20 ms instead of 5 took PostgreSQL from
   * 238 / 224 to 216 / 206 µs per event (loadtest/README.md, session 8).
   */
  private static final long LINGER_MS = 20;

  /** What became of a delivery after an attempt. */
  public enum Decision { SUCCESS, RETRY, EXHAUSTED, GONE }

  private record Recorded(Attempt attempt, Decision decision, Instant nextAttemptAt) {
    String status() {
      return switch (decision) {
        case SUCCESS -> "success";
        case RETRY -> "retrying";
        case EXHAUSTED, GONE -> "failed";
      };
    }
  }

  /** A change that spends no attempt: postpone, park (breaker open), hold (paused) or skip (disabled / deleted). */
  private record Moved(DeliveryJob job, String kind, Instant at, String reason) {
    UUID deliveryId() {
      return job.deliveryId();
    }
  }

  private static final String INSERT_ATTEMPTS = """
    INSERT INTO attempts (delivery_id, subscription_id, attempt, created_at, request_headers, response_status,
                          response_headers, response_body, duration_ms, failure_reason)
    SELECT a.delivery_id, a.subscription_id, a.attempt, a.created_at, a.request_headers::json, a.response_status,
           a.response_headers::json, a.response_body, a.duration_ms, a.failure_reason
      FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::timestamptz[], $5::text[], $6::int[], $7::text[], $8::text[],
                  $9::int[], $10::text[])
           AS a(delivery_id, subscription_id, attempt, created_at, request_headers, response_status, response_headers,
                response_body, duration_ms, failure_reason)""";
  // "NOT IN (the final and held states)" rather than "IN ('pending', 'retrying')": the latter matches the
  // partial index deliveries_due, and the planner then scans every entry of it (with its dead ones, which
  // under load are many) instead of looking each row up by primary key. pg_stat_statements: 81 → … µs a row.
  private static final String ADVANCE = """
    UPDATE deliveries d
       SET status = u.status, attempts = u.attempt, next_attempt_at = u.next_at, last_status_code = u.code,
           last_failure_reason = u.reason, lease_owner = NULL, updated_at = now(),
           completed_at = CASE WHEN u.status IN ('success', 'failed') THEN now() END
      FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[], $5::int[], $6::text[])
           AS u(id, attempt, status, next_at, code, reason)
     WHERE d.id = u.id AND d.attempts = u.attempt - 1 AND d.status NOT IN ('success', 'failed', 'held')""";
  // The first row of a delivery that went out straight from ingest (DeliveryJob.Unrecorded), with its first
  // attempt's outcome or its postponement, hold or skip. A row is already there only if the ledger wrote it
  // because this took a lease to arrive; it is then advanced as ADVANCE or MOVE would. A subscription deleted
  // meanwhile took its deliveries with it: no row is made for it.
  private static final String FIRST = """
    INSERT INTO deliveries AS d (id, event_id, subscription_id, application_id, event_type, status, attempts,
                                 next_attempt_at, last_status_code, last_failure_reason, created_at, completed_at)
    SELECT u.id, u.event_id, u.subscription_id, u.application_id, u.event_type, u.status, u.attempts,
           coalesce(u.next_at, 'infinity'), u.code,
           u.reason, u.created_at, CASE WHEN u.status IN ('success', 'failed') THEN now() END
      FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int[], $8::timestamptz[],
                  $9::int[], $10::text[], $11::timestamptz[])
           AS u(id, event_id, subscription_id, application_id, event_type, status, attempts, next_at, code, reason,
                created_at)
     WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = u.subscription_id)
    ON CONFLICT (id) DO UPDATE
       SET status = excluded.status, attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at,
           last_status_code = excluded.last_status_code, last_failure_reason = excluded.last_failure_reason,
           lease_owner = NULL, updated_at = now(), completed_at = excluded.completed_at
     WHERE d.attempts = 0 AND d.status NOT IN ('success', 'failed', 'held')""";
  private static final String MOVE = """
    UPDATE deliveries d
       SET status = CASE u.kind WHEN 'hold' THEN 'held' WHEN 'skip' THEN 'failed' ELSE d.status END,
           next_attempt_at = CASE u.kind WHEN 'park' THEN 'infinity' ELSE coalesce(u.at, d.next_attempt_at) END,
           last_failure_reason = coalesce(u.reason, d.last_failure_reason),
           completed_at = CASE WHEN u.kind = 'skip' THEN now() ELSE d.completed_at END,
           lease_owner = NULL, updated_at = now()
      FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[]) AS u(id, kind, at, reason)
     WHERE d.id = u.id AND d.status NOT IN ('success', 'failed', 'held')""";
  private static final String STATS = """
    INSERT INTO delivery_stats_hourly (subscription_id, hour, success_count, failure_count, duration_ms_sum,
                                       duration_buckets)
    SELECT u.subscription_id, u.hour, u.ok, u.failed, u.duration, u.buckets::bigint[]
      FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[])
           AS u(subscription_id, hour, ok, failed, duration, buckets)
    ON CONFLICT (subscription_id, hour) DO UPDATE
       SET success_count = delivery_stats_hourly.success_count + excluded.success_count,
           failure_count = delivery_stats_hourly.failure_count + excluded.failure_count,
           duration_ms_sum = delivery_stats_hourly.duration_ms_sum + excluded.duration_ms_sum,
           duration_buckets = (SELECT array_agg(coalesce(a, 0) + coalesce(b, 0) ORDER BY i)
                                 FROM unnest(delivery_stats_hourly.duration_buckets, excluded.duration_buckets)
                                      WITH ORDINALITY AS t(a, b, i))""";
  private static final String HEALTH = """
    UPDATE subscriptions s
       SET last_triggered_at = greatest(s.last_triggered_at, u.last_success, u.last_failure),
           last_success_at = greatest(s.last_success_at, u.last_success),
           last_failure_at = greatest(s.last_failure_at, u.last_failure),
           last_failure_reason = coalesce(u.failure_reason, s.last_failure_reason),
           consecutive_exhausted = CASE WHEN u.succeeded THEN 0 ELSE s.consecutive_exhausted + u.exhausted END,
           failing_since = CASE WHEN u.last_ok THEN NULL ELSE coalesce(s.failing_since, u.last_failure) END,
           success_rate = coalesce((SELECT 100.0 * sum(h.success_count) / nullif(sum(h.success_count + h.failure_count), 0)
                                      FROM delivery_stats_hourly h
                                     WHERE h.subscription_id = s.id AND h.hour > now() - interval '24 hours'), 100)
      FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::bool[], $6::bool[], $7::int[])
           AS u(id, last_success, last_failure, failure_reason, succeeded, last_ok, exhausted)
     WHERE s.id = u.id""";
  private static final String AUTO_DISABLE = """
    UPDATE subscriptions
       SET status = 'DISABLED', updated_at = now(),
           disabled_reason = CASE
             WHEN id = ANY($2) THEN 'The endpoint answered 410 Gone'
             WHEN consecutive_exhausted >= $3 THEN consecutive_exhausted || ' deliveries in a row failed after all retries'
             ELSE 'Every delivery has failed since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
           END
     WHERE id = ANY($1) AND status = 'ACTIVE'
       AND (id = ANY($2) OR consecutive_exhausted >= $3 OR failing_since < now() - $4 * interval '1 millisecond')
    RETURNING id""";

  private final Vertx vertx;
  private final Pool pool;
  private final SubscriptionIndex index;
  private final HookgateConfig.AutoDisable autoDisable;
  private final DeliveryMetrics metrics;
  private final InFlightLimits limits;
  private final FanoutLedger ledger;
  private List<Recorded> recorded = new ArrayList<>();
  private List<Moved> moved = new ArrayList<>();
  private boolean writing;
  private boolean scheduled;

  public ResultWriter(Vertx vertx, Pool pool, SubscriptionIndex index, HookgateConfig.AutoDisable autoDisable,
                      DeliveryMetrics metrics, InFlightLimits limits, FanoutLedger ledger) {
    this.limits = limits;
    this.ledger = ledger;
    this.vertx = vertx;
    this.pool = pool;
    this.index = index;
    this.autoDisable = autoDisable;
    this.metrics = metrics;
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

  /** Moves a delivery to a later time without spending an attempt (breaker open, node or endpoint busy). */
  public synchronized void postpone(DeliveryJob job, Instant at) {
    metrics.postponed();
    move(new Moved(job, "postpone", at, null));
  }

  /**
   * The endpoint's breaker is open: the delivery waits, parked, without a due time, until the breaker
   * closes ({@link ParkedDeliveries}).
   */
  public synchronized void park(DeliveryJob job) {
    move(new Moved(job, "park", null, null));
  }

  /** The subscription is paused: the delivery waits, held, until it is resumed. */
  public synchronized void hold(DeliveryJob job) {
    move(new Moved(job, "hold", null, null));
  }

  /** The delivery cannot be sent at all (subscription disabled or deleted); it is failed without an attempt. */
  public synchronized void skip(DeliveryJob job, String reason) {
    move(new Moved(job, "skip", null, reason));
  }

  /**
   * Past {@link #MAX_MOVED} waiting changes (PostgreSQL is behind), a change is dropped instead of
   * queued: the delivery keeps its lease, and when the lease ends the scheduler claims it again and it
   * is decided anew (one without a row yet stays in the {@link FanoutLedger}, which writes its row when a
   * lease has passed). Nothing is lost; memory stays bounded.
   */
  private void move(Moved change) {
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
    List<Moved> m = moved;
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
          } else if (!recorded.isEmpty() || !moved.isEmpty()) {
            kick();
          }
        }
      });
  }

  /**
   * PostgreSQL refused a value of the batch (nothing of it was written): each result is written on its own,
   * so one bad result cannot hold back the others. One that is refused even alone is dropped and logged; its
   * delivery keeps its lease and is attempted again when the lease ends.
   */
  private Future<List<UUID>> isolate(List<Recorded> r, List<Moved> m) {
    List<UUID> disabled = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Recorded x : r) {
      chain = chain.compose(v -> alone(List.of(x), List.of(), x.attempt().job()).map(disabled::addAll).mapEmpty());
    }
    for (Moved x : m) {
      chain = chain.compose(v -> alone(List.of(), List.of(x), x.job()).map(disabled::addAll).mapEmpty());
    }
    return chain.map(disabled);
  }

  private Future<List<UUID>> alone(List<Recorded> r, List<Moved> m, DeliveryJob job) {
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

  private Future<List<UUID>> write(SqlConnection conn, List<Recorded> r, List<Moved> m) {
    List<Recorded> byId = new ArrayList<>(r);
    byId.sort(Comparator.comparing(x -> x.attempt().job().deliveryId()));
    List<Recorded> advanced = byId.stream().filter(x -> x.attempt().job().unrecorded() == null).toList();
    List<Moved> movedById = m.stream().filter(x -> x.job().unrecorded() == null)
      .sorted(Comparator.comparing(Moved::deliveryId)).toList();
    Tuple first = firstRows(byId, m);
    Future<?> chain = Future.succeededFuture();
    if (!byId.isEmpty()) {
      chain = chain.compose(v -> conn.preparedQuery(INSERT_ATTEMPTS).execute(attemptRows(byId)));
    }
    if (first != null) {
      chain = chain.compose(v -> conn.preparedQuery(FIRST).execute(first));
    }
    if (!advanced.isEmpty()) {
      chain = chain.compose(v -> conn.preparedQuery(ADVANCE).execute(advanceRows(advanced)));
    }
    if (!byId.isEmpty()) {
      chain = chain
        .compose(v -> conn.preparedQuery(STATS).execute(statsRows(byId)))
        .compose(v -> conn.preparedQuery(HEALTH).execute(healthRows(byId)));
    }
    if (!movedById.isEmpty()) {
      chain = chain.compose(v -> conn.preparedQuery(MOVE).execute(moveRows(movedById)));
    }
    Set<UUID> failing = new HashSet<>();
    Set<UUID> gone = new HashSet<>();
    for (Recorded x : byId) {
      if (x.decision() == Decision.GONE) {
        gone.add(x.attempt().job().subscriptionId());
      }
      if (!x.attempt().succeeded()) {
        failing.add(x.attempt().job().subscriptionId());
      }
    }
    if (failing.isEmpty()) {
      return chain.map(v -> List.of());
    }
    return chain.compose(v -> conn.preparedQuery(AUTO_DISABLE).execute(Tuple.of(
        failing.stream().sorted().toArray(UUID[]::new), gone.toArray(UUID[]::new),
        autoDisable.afterExhaustedDeliveries(), autoDisable.afterFailingFor().toMillis())))
      .map(rows -> {
        List<UUID> disabled = new ArrayList<>();
        rows.forEach(row -> disabled.add(row.getUUID(0)));
        return disabled;
      });
  }

  private void disabled(List<UUID> subscriptions) {
    for (UUID id : subscriptions) {
      LOG.warn("Subscription {} was disabled automatically after sustained delivery failures", id);
      index.refresh(id);
    }
  }

  private static Tuple attemptRows(List<Recorded> rows) {
    int n = rows.size();
    UUID[] delivery = new UUID[n], subscription = new UUID[n];
    Integer[] number = new Integer[n], status = new Integer[n], duration = new Integer[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    String[] request = new String[n], responseHeaders = new String[n], body = new String[n], reason = new String[n];
    for (int i = 0; i < n; i++) {
      Attempt a = rows.get(i).attempt();
      delivery[i] = a.job().deliveryId();
      subscription[i] = a.job().subscriptionId();
      number[i] = a.number();
      at[i] = a.startedAt();
      request[i] = Json.encode(a.requestHeaders());
      status[i] = a.status();
      responseHeaders[i] = a.responseHeaders() == null ? null : Json.encode(a.responseHeaders());
      body[i] = a.responseBody();
      duration[i] = a.durationMs();
      reason[i] = a.failureReason();
    }
    return Tuple.tuple().addArrayOfUUID(delivery).addArrayOfUUID(subscription).addArrayOfInteger(number)
      .addArrayOfOffsetDateTime(at).addArrayOfString(request).addArrayOfInteger(status)
      .addArrayOfString(responseHeaders).addArrayOfString(body).addArrayOfInteger(duration).addArrayOfString(reason);
  }

  private static Tuple advanceRows(List<Recorded> rows) {
    int n = rows.size();
    UUID[] id = new UUID[n];
    Integer[] attempt = new Integer[n], code = new Integer[n];
    String[] status = new String[n], reason = new String[n];
    OffsetDateTime[] next = new OffsetDateTime[n];
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    for (int i = 0; i < n; i++) {
      Recorded r = rows.get(i);
      id[i] = r.attempt().job().deliveryId();
      attempt[i] = r.attempt().number();
      code[i] = r.attempt().status();
      reason[i] = r.attempt().failureReason();
      status[i] = r.status();
      next[i] = r.decision() == Decision.RETRY ? OffsetDateTime.ofInstant(r.nextAttemptAt(), ZoneOffset.UTC) : now;
    }
    return Tuple.tuple().addArrayOfUUID(id).addArrayOfInteger(attempt).addArrayOfString(status)
      .addArrayOfOffsetDateTime(next).addArrayOfInteger(code).addArrayOfString(reason);
  }

  private record StatsKey(UUID subscription, OffsetDateTime hour) implements Comparable<StatsKey> {
    @Override
    public int compareTo(StatsKey o) {
      int c = subscription.compareTo(o.subscription);
      return c != 0 ? c : hour.compareTo(o.hour);
    }
  }

  private static Tuple statsRows(List<Recorded> rows) {
    Map<StatsKey, long[]> sums = new TreeMap<>();
    Map<StatsKey, long[]> buckets = new TreeMap<>();
    for (Recorded r : rows) {
      Attempt a = r.attempt();
      StatsKey key = new StatsKey(a.job().subscriptionId(), a.startedAt().truncatedTo(ChronoUnit.HOURS));
      long[] s = sums.computeIfAbsent(key, k -> new long[3]);
      s[a.succeeded() ? 0 : 1]++;
      s[2] += a.durationMs();
      buckets.computeIfAbsent(key, k -> new long[DurationBuckets.size()])[DurationBuckets.index(a.durationMs())]++;
    }
    int n = sums.size();
    UUID[] sub = new UUID[n];
    OffsetDateTime[] hour = new OffsetDateTime[n];
    Long[] ok = new Long[n], failed = new Long[n], duration = new Long[n];
    String[] histogram = new String[n];
    int i = 0;
    for (Map.Entry<StatsKey, long[]> e : sums.entrySet()) {
      histogram[i] = Arrays.toString(buckets.get(e.getKey())).replace('[', '{').replace(']', '}');
      sub[i] = e.getKey().subscription();
      hour[i] = e.getKey().hour();
      ok[i] = e.getValue()[0];
      failed[i] = e.getValue()[1];
      duration[i] = e.getValue()[2];
      i++;
    }
    return Tuple.tuple().addArrayOfUUID(sub).addArrayOfOffsetDateTime(hour).addArrayOfLong(ok)
      .addArrayOfLong(failed).addArrayOfLong(duration).addArrayOfString(histogram);
  }

  private static final class Health {
    OffsetDateTime lastSuccess;
    OffsetDateTime lastFailure;
    String failureReason;
    boolean succeeded;
    boolean lastOk;
    int exhausted;
  }

  private static Tuple healthRows(List<Recorded> rows) {
    Map<UUID, Health> bySubscription = new TreeMap<>();
    List<Recorded> inTime = new ArrayList<>(rows);
    inTime.sort(Comparator.comparing(r -> r.attempt().startedAt()));
    for (Recorded r : inTime) {
      Attempt a = r.attempt();
      Health h = bySubscription.computeIfAbsent(a.job().subscriptionId(), k -> new Health());
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
    int n = bySubscription.size();
    UUID[] id = new UUID[n];
    OffsetDateTime[] success = new OffsetDateTime[n], failure = new OffsetDateTime[n];
    String[] reason = new String[n];
    Boolean[] succeeded = new Boolean[n], lastOk = new Boolean[n];
    Integer[] exhausted = new Integer[n];
    int i = 0;
    for (Map.Entry<UUID, Health> e : bySubscription.entrySet()) {
      Health h = e.getValue();
      id[i] = e.getKey();
      success[i] = h.lastSuccess;
      failure[i] = h.lastFailure;
      reason[i] = h.failureReason;
      succeeded[i] = h.succeeded;
      lastOk[i] = h.lastOk;
      exhausted[i] = h.exhausted;
      i++;
    }
    return Tuple.tuple().addArrayOfUUID(id).addArrayOfOffsetDateTime(success).addArrayOfOffsetDateTime(failure)
      .addArrayOfString(reason).addArrayOfBoolean(succeeded).addArrayOfBoolean(lastOk).addArrayOfInteger(exhausted);
  }

  /**
   * The rows of deliveries that have none yet (attempted or moved straight from ingest), in id order, or
   * null when there are none.
   */
  private static Tuple firstRows(List<Recorded> recorded, List<Moved> moved) {
    record Row(DeliveryJob job, String status, int attempts, Instant next, Integer code, String reason) {
    }
    Instant now = Instant.now();
    // One row per delivery, even if it was somehow queued twice: PostgreSQL refuses to upsert a row twice in
    // one statement, and the transaction would fail again on every retry.
    Map<UUID, Row> rows = new TreeMap<>();
    for (Recorded x : recorded) {
      DeliveryJob job = x.attempt().job();
      if (job.unrecorded() != null) {
        rows.put(job.deliveryId(), new Row(job, x.status(), x.attempt().number(),
          x.decision() == Decision.RETRY ? x.nextAttemptAt() : now, x.attempt().status(), x.attempt().failureReason()));
      }
    }
    for (Moved x : moved) {
      if (x.job().unrecorded() != null) {
        rows.put(x.deliveryId(), switch (x.kind()) {
          case "hold" -> new Row(x.job(), "held", 0, now, null, null);
          case "skip" -> new Row(x.job(), "failed", 0, now, null, x.reason());
          // Parked: no due time (null is written as 'infinity').
          case "park" -> new Row(x.job(), "pending", 0, null, null, null);
          default -> new Row(x.job(), "pending", 0, x.at(), null, null);
        });
      }
    }
    if (rows.isEmpty()) {
      return null;
    }
    int n = rows.size();
    UUID[] id = new UUID[n], subscription = new UUID[n], application = new UUID[n];
    String[] event = new String[n], type = new String[n], status = new String[n], reason = new String[n];
    Integer[] attempts = new Integer[n], code = new Integer[n];
    OffsetDateTime[] next = new OffsetDateTime[n], created = new OffsetDateTime[n];
    int i = 0;
    for (Row row : rows.values()) {
      DeliveryJob job = row.job();
      id[i] = job.deliveryId();
      event[i] = job.eventId();
      subscription[i] = job.subscriptionId();
      application[i] = job.unrecorded().applicationId();
      type[i] = job.type();
      status[i] = row.status();
      attempts[i] = row.attempts();
      next[i] = row.next() == null ? null : OffsetDateTime.ofInstant(row.next(), ZoneOffset.UTC);
      code[i] = row.code();
      reason[i] = row.reason();
      created[i] = OffsetDateTime.ofInstant(job.unrecorded().receivedAt(), ZoneOffset.UTC);
      i++;
    }
    return Tuple.tuple().addArrayOfUUID(id).addArrayOfString(event).addArrayOfUUID(subscription)
      .addArrayOfUUID(application).addArrayOfString(type).addArrayOfString(status).addArrayOfInteger(attempts)
      .addArrayOfOffsetDateTime(next).addArrayOfInteger(code).addArrayOfString(reason).addArrayOfOffsetDateTime(created);
  }

  /** Tells the ledgers tracking them (this node's or another member's) that these deliveries have their rows. */
  private void firstRowsWritten(List<Recorded> recorded, List<Moved> moved) {
    Map<String, List<UUID>> byNode = new HashMap<>();
    recorded.forEach(x -> written(byNode, x.attempt().job()));
    moved.forEach(x -> written(byNode, x.job()));
    byNode.forEach((node, ids) -> ledger.recorded(vertx, node, ids));
  }

  private static void written(Map<String, List<UUID>> byNode, DeliveryJob job) {
    if (job.unrecorded() != null) {
      byNode.computeIfAbsent(job.unrecorded().node(), k -> new ArrayList<>()).add(job.deliveryId());
    }
  }

  private static Tuple moveRows(List<Moved> rows) {
    int n = rows.size();
    UUID[] id = new UUID[n];
    String[] kind = new String[n], reason = new String[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      Moved m = rows.get(i);
      id[i] = m.deliveryId();
      kind[i] = m.kind();
      at[i] = m.at() == null ? null : OffsetDateTime.ofInstant(m.at(), ZoneOffset.UTC);
      reason[i] = m.reason();
    }
    return Tuple.tuple().addArrayOfUUID(id).addArrayOfString(kind).addArrayOfOffsetDateTime(at).addArrayOfString(reason);
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
