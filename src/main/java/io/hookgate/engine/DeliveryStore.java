package io.hookgate.engine;

import io.hookgate.db.Columns;
import io.hookgate.db.Paged;
import io.hookgate.db.Partitions;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The {@code deliveries} table: every statement that reads or writes it. Its states and who moves a
 * delivery between them are on the package's page ({@code package-info.java}); the status names in SQL
 * are {@link DeliveryStatus#sql()} and the move kinds {@link Move#sql()}.
 *
 * <p>Every method takes the {@link SqlClient} to run on: a pool, or the connection of a transaction the
 * caller composes with other tables' owners.
 */
public final class DeliveryStore {
  /** The deliveries table, partitioned by {@code created_at}: the time its event was received. */
  public static final Partitions.Table TABLE = new Partitions.Table("deliveries", "created_at", "");

  /** Deliveries parked behind an open breaker have no due time: {@code next_attempt_at = 'infinity'}. */
  private static final String PARKED = "'infinity'";

  // ---- written at ingest: deliveries that will not be attempted at once ----

  private static final String INSERT_BORN = """
    INSERT INTO deliveries (id, event_id, subscription_id, application_id, event_type, status, next_attempt_at,
                            last_failure_reason, created_at, completed_at)
    SELECT d.id, d.event_id, d.subscription_id, d.application_id, d.event_type, d.status, now(), d.reason, $8,
           CASE WHEN d.status = 'failed' THEN now() END
      FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[])
           AS d(id, event_id, subscription_id, application_id, event_type, status, reason)""";

  // ---- written by the result writer ----

  /**
   * The first row of a delivery that went out straight from ingest, with its first attempt's outcome or
   * its move. A row is already there only if the ledger wrote it because the outcome took a lease to
   * arrive; it is then advanced as {@link #ADVANCE} or {@link #MOVE} would.
   */
  private static final String FIRST = """
    INSERT INTO deliveries AS d (id, event_id, subscription_id, application_id, event_type, status, attempts,
                                 next_attempt_at, last_status_code, last_failure_reason, created_at, completed_at)
    SELECT u.id, u.event_id, u.subscription_id, u.application_id, u.event_type, u.status, u.attempts,
           coalesce(u.next_at, 'infinity'), u.code, u.reason, u.created_at,
           CASE WHEN u.status IN ('success', 'failed') THEN now() END
      FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int[], $8::timestamptz[],
                  $9::int[], $10::text[], $11::timestamptz[])
           AS u(id, event_id, subscription_id, application_id, event_type, status, attempts, next_at, code, reason,
                created_at)
    ON CONFLICT (id, created_at) DO UPDATE
       SET status = excluded.status, attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at,
           last_status_code = excluded.last_status_code, last_failure_reason = excluded.last_failure_reason,
           lease_owner = NULL, updated_at = now(), completed_at = excluded.completed_at
     WHERE d.attempts = 0 AND d.status NOT IN ('success', 'failed', 'held')""";
  /**
   * A row advances only when its attempt count still matches, so a delivery re-sent after its lease
   * expired is not counted twice. "NOT IN (the final and held states)" rather than "IN ('pending',
   * 'retrying')": the latter matches the due index, and the planner then scans it (docs/decisions/011).
   */
  private static final String ADVANCE = """
    UPDATE deliveries d
       SET status = u.status, attempts = u.attempt, next_attempt_at = u.next_at, last_status_code = u.code,
           last_failure_reason = u.reason, lease_owner = NULL, updated_at = now(),
           completed_at = CASE WHEN u.status IN ('success', 'failed') THEN now() END
      FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[], $5::int[], $6::text[], $7::timestamptz[])
           AS u(id, attempt, status, next_at, code, reason, created_at)
     WHERE d.id = u.id AND d.created_at = u.created_at AND d.attempts = u.attempt - 1 AND d.status NOT IN ('success', 'failed', 'held')""";
  private static final String MOVE = """
    UPDATE deliveries d
       SET status = CASE u.kind WHEN 'hold' THEN 'held' WHEN 'skip' THEN 'failed' ELSE d.status END,
           next_attempt_at = CASE u.kind WHEN 'park' THEN 'infinity' ELSE coalesce(u.at, d.next_attempt_at) END,
           last_failure_reason = coalesce(u.reason, d.last_failure_reason),
           completed_at = CASE WHEN u.kind = 'skip' THEN now() ELSE d.completed_at END,
           lease_owner = NULL, updated_at = now()
      FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[])
           AS u(id, kind, at, reason, created_at)
     WHERE d.id = u.id AND d.created_at = u.created_at AND d.status NOT IN ('success', 'failed', 'held')""";

  // ---- claims: due deliveries and parked ones, leased to a node ----

  /** Leases the deliveries a {@code picked} CTE chose to node $3 for $2 ms; the two claims differ only in the pick. */
  private static final String LEASE_PICKED = """
    UPDATE deliveries d
       SET next_attempt_at = now() + $2 * interval '1 millisecond', lease_owner = $3, updated_at = now()
      FROM picked
     WHERE d.id = picked.id AND d.created_at = picked.created_at
    RETURNING d.id, d.event_id, d.subscription_id, d.event_type, d.attempts, d.created_at""";
  private static final String CLAIM_DUE = """
    WITH picked AS (
      SELECT id, created_at FROM deliveries
       WHERE status IN ('pending', 'retrying') AND next_attempt_at <= now()
       ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
    """ + LEASE_PICKED;
  /**
   * Draining after a breaker closed: parked deliveries are claimed straight from the parked index rather
   * than first made due and then claimed, which would write each row once more.
   */
  private static final String CLAIM_PARKED = """
    WITH picked AS (
      SELECT id, created_at FROM deliveries
       WHERE next_attempt_at = 'infinity' AND subscription_id = ANY($4) AND status IN ('pending', 'retrying')
       LIMIT $1 FOR UPDATE SKIP LOCKED)
    """ + LEASE_PICKED;
  private static final String COUNT_DUE = """
    SELECT count(*) FROM deliveries WHERE status IN ('pending', 'retrying') AND next_attempt_at <= now()""";
  private static final String COUNT_PARKED = "SELECT count(*) FROM deliveries WHERE next_attempt_at = " + PARKED;
  /** Subscriptions with parked deliveries: a loose index scan over {@code deliveries_parked}. */
  private static final String PARKED_SUBSCRIPTIONS = """
    WITH RECURSIVE s(id) AS (
      (SELECT subscription_id FROM deliveries WHERE next_attempt_at = 'infinity' ORDER BY subscription_id LIMIT 1)
      UNION ALL
      SELECT (SELECT d.subscription_id FROM deliveries d
               WHERE d.next_attempt_at = 'infinity' AND d.subscription_id > s.id
               ORDER BY d.subscription_id LIMIT 1)
        FROM s WHERE s.id IS NOT NULL)
    SELECT id FROM s WHERE id IS NOT NULL""";
  private static final String RELEASE_PARKED = """
    UPDATE deliveries d SET next_attempt_at = now(), updated_at = now()
      FROM (SELECT id, created_at FROM deliveries
             WHERE next_attempt_at = 'infinity' AND subscription_id = ANY($1) AND status IN ('pending', 'retrying')
             LIMIT $2 FOR UPDATE SKIP LOCKED) p
     WHERE d.id = p.id AND d.created_at = p.created_at""";
  /** The half-open probe: the parked delivery with the fewest attempts, so probing never exhausts one. */
  private static final String RELEASE_PROBE = """
    UPDATE deliveries d SET next_attempt_at = now(), updated_at = now()
      FROM (SELECT id, created_at FROM deliveries
             WHERE next_attempt_at = 'infinity' AND subscription_id = $1 AND status IN ('pending', 'retrying')
             ORDER BY attempts, created_at LIMIT 1 FOR UPDATE SKIP LOCKED) p
     WHERE d.id = p.id AND d.created_at = p.created_at""";
  private static final String RELEASE_HELD = """
    UPDATE deliveries SET status = 'pending', next_attempt_at = now(), updated_at = now()
     WHERE subscription_id = $1 AND status = 'held'""";

  // ---- leases handed back: only leases that have not ended lie within one lease of now ----

  private static final String RELEASE_OWN = """
    UPDATE deliveries SET next_attempt_at = now(), lease_owner = NULL, updated_at = now()
     WHERE lease_owner = $1 AND status IN ('pending', 'retrying')
       AND next_attempt_at > now() AND next_attempt_at <= now() + $2 * interval '1 millisecond'""";
  private static final String RELEASE_OTHERS = """
    UPDATE deliveries SET next_attempt_at = now(), lease_owner = NULL, updated_at = now()
     WHERE lease_owner IS NOT NULL AND NOT (lease_owner = ANY($1)) AND status IN ('pending', 'retrying')
       AND next_attempt_at > now() AND next_attempt_at <= now() + $2 * interval '1 millisecond'""";

  // ---- the fan-out ledger's recovery: rows for deliveries that only had their place in an event's fan-out ----

  private static final String INSERT_MISSING = """
    INSERT INTO deliveries (id, event_id, subscription_id, application_id, event_type, status, next_attempt_at, created_at)
    SELECT m.id, m.event_id, m.subscription_id, m.application_id, m.event_type, 'pending', now(), m.created_at
      FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[])
           AS m(id, event_id, subscription_id, application_id, event_type, created_at)
    ON CONFLICT (id, created_at) DO NOTHING""";

  // ---- the partners' history ----

  private static final String COLUMNS = """
    id, subscription_id, application_id, event_id, event_type, status, attempts,
    nullif(next_attempt_at, 'infinity') AS next_attempt_at, last_status_code, last_failure_reason, created_at,
    updated_at, completed_at, is_test""";
  private static final String STATUS_OF = """
    SELECT status, subscription_id, event_id, created_at FROM deliveries
     WHERE id = $1 AND ($2::uuid IS NULL OR application_id = $2)%s""";
  private static final String GET = "SELECT " + COLUMNS
    + " FROM deliveries WHERE id = $1 AND ($2::uuid IS NULL OR application_id = $2)%s";
  /** A final delivery, or one waiting for its next retry, gets a new attempt now (leased to the asking node). */
  private static final String RETRY = """
    UPDATE deliveries
       SET status = 'retrying', next_attempt_at = now() + $3 * interval '1 millisecond', lease_owner = $4,
           completed_at = NULL, updated_at = now()
     WHERE id = $1 AND ($2::uuid IS NULL OR application_id = $2)%s
       AND (status IN ('success', 'failed') OR (status = 'retrying' AND next_attempt_at > now()))
    RETURNING id, event_id, subscription_id, event_type, attempts, created_at""";
  /**
   * A delivery's id from ingest is a version 7 UUID: it holds the moment it was made, just before its
   * event's receive time (its row's {@code created_at}), so a lookup by id reads the one partition around
   * it instead of every partition. Other ids (partners' test deliveries) are looked up everywhere.
   */
  private static final String NEAR_ID_TIME = " AND created_at >= $%d AND created_at < $%d";
  private static final String RECOVER = """
    WITH r AS (SELECT id, created_at FROM deliveries
                WHERE subscription_id = $1 AND status = 'failed' AND created_at >= $2 AND created_at < $3
                  AND last_failure_reason IS DISTINCT FROM 'payload_erased'
                ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED)
    UPDATE deliveries d SET status = 'retrying', next_attempt_at = now(), completed_at = NULL, updated_at = now()
      FROM r WHERE d.id = r.id AND d.created_at = r.created_at""";
  private static final String CLEAR = """
    DELETE FROM deliveries WHERE subscription_id = $1 AND status = ANY($2) AND created_at < $3 RETURNING id""";
  /**
   * An event's deliveries are created when it is received (the same time, or within the transaction that
   * wrote it for history from before partitioning): one partition, or two at a boundary, holds them.
   */
  private static final String OF_EVENT = "SELECT " + COLUMNS + " FROM deliveries WHERE event_id = $1"
    + " AND created_at >= $2 AND created_at < $2 + interval '1 minute' ORDER BY created_at, id";
  private static final String DELETE_OF_SUBSCRIPTIONS = "DELETE FROM deliveries WHERE subscription_id = ANY($1) RETURNING id";

  // ---- retention: a dropped partition's unfinished deliveries carry over into the default partition ----

  /** The columns of a detached partition and of its table come in the same order: it was made LIKE the table. */
  private static final String CARRY = "INSERT INTO deliveries SELECT * FROM %s WHERE status NOT IN ('success', 'failed')";
  private static final String CARRIED = """
    SELECT id, event_id FROM deliveries_default WHERE status NOT IN ('success', 'failed')""";
  private static final String EXPIRE_CARRIED = """
    DELETE FROM deliveries_default WHERE status IN ('success', 'failed') AND created_at < $1""";

  // ---- erasure: deliveries of erased events stay in the history; those not sent yet never will be ----

  private static final String OF_ERASED = """
    SELECT id FROM deliveries WHERE event_id = ANY($1) AND created_at >= $2 AND created_at < $3::timestamptz + interval '1 minute'""";
  private static final String STOP_ERASED = """
    UPDATE deliveries SET status = 'failed', last_failure_reason = 'payload_erased', lease_owner = NULL,
                          next_attempt_at = now(), completed_at = now(), updated_at = now()
     WHERE event_id = ANY($1) AND created_at >= $2 AND created_at < $3::timestamptz + interval '1 minute'
       AND status NOT IN ('success', 'failed')""";

  private static final String FAIL_ERASED = """
    UPDATE deliveries SET status = 'failed', last_failure_reason = 'payload_erased', lease_owner = NULL,
                          next_attempt_at = now(), completed_at = now(), updated_at = now()
     WHERE id = ANY($1) AND created_at BETWEEN $2 AND $3
       AND EXISTS (SELECT 1 FROM events e WHERE e.id = deliveries.event_id AND e.received_at BETWEEN $2 AND $3
                                            AND e.erased_at IS NOT NULL)""";

  /**
   * Of these claimed deliveries, those whose event lost its payload after they were last final (a retry or a
   * recovery asked for later) fail as the erasure would have failed them: there is nothing left to send.
   */
  public Future<Integer> failErased(SqlClient sql, List<Claimed> claimed) {
    if (claimed.isEmpty()) {
      return Future.succeededFuture(0);
    }
    Instant from = claimed.stream().map(Claimed::createdAt).min(Instant::compareTo).orElseThrow();
    Instant to = claimed.stream().map(Claimed::createdAt).max(Instant::compareTo).orElseThrow();
    return sql.preparedQuery(FAIL_ERASED).execute(Tuple.of(claimed.stream().map(Claimed::id).toArray(UUID[]::new),
      utc(from), utc(to))).map(RowSet::rowCount);
  }

  /** The deliveries of these erased events (received between {@code from} and {@code to}). */
  public Future<List<UUID>> ofErased(SqlClient sql, List<String> events, Instant from, Instant to) {
    return sql.preparedQuery(OF_ERASED).execute(Tuple.of(events.toArray(String[]::new), utc(from), utc(to)))
      .map(DeliveryStore::ids);
  }

  /** Deliveries of erased events that are not final fail: there is nothing left to send; how many. */
  public Future<Integer> stopErased(SqlClient sql, List<String> events, Instant from, Instant to) {
    return sql.preparedQuery(STOP_ERASED).execute(Tuple.of(events.toArray(String[]::new), utc(from), utc(to)))
      .map(RowSet::rowCount);
  }

  // ---- partners' test deliveries: one attempt, kept in the history as a test ----

  private static final String INSERT_TEST = """
    INSERT INTO deliveries (id, event_id, subscription_id, application_id, event_type, status, next_attempt_at,
                            lease_owner, is_test, created_at)
    VALUES ($1, $2, $3, $4, $5, 'pending', now() + interval '1 hour', $6, true, $7)""";
  private static final String FINISH_TEST = """
    UPDATE deliveries SET status = $2, attempts = 1, last_status_code = $3, last_failure_reason = $4,
                          completed_at = now(), updated_at = now(), lease_owner = NULL
     WHERE id = $1 AND created_at = $5""";

  /** A delivery as its row holds it (without its event's payload or its attempts). */
  public record Delivery(UUID id, UUID subscriptionId, UUID applicationId, String eventId, String eventType,
                         DeliveryStatus status, int attempts, OffsetDateTime nextAttemptAt, Integer lastStatusCode,
                         String lastFailureReason, OffsetDateTime createdAt, OffsetDateTime updatedAt,
                         OffsetDateTime completedAt, boolean test) {
    static Delivery from(Row row) {
      return new Delivery(row.getUUID("id"), row.getUUID("subscription_id"), row.getUUID("application_id"),
        row.getString("event_id"), row.getString("event_type"), DeliveryStatus.of(row.getString("status")),
        row.getInteger("attempts"), row.getOffsetDateTime("next_attempt_at"), row.getInteger("last_status_code"),
        row.getString("last_failure_reason"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"),
        row.getOffsetDateTime("completed_at"), row.getBoolean("is_test"));
    }
  }

  /** A delivery born at ingest that is not attempted now: held, failed, or pending for the scheduler. */
  public record Born(UUID id, String eventId, UUID subscriptionId, UUID applicationId, String eventType,
                     DeliveryStatus status, String failureReason) {
  }

  /** A row for a delivery that had none: its first attempt's outcome, or its move. */
  record First(DeliveryJob job, DeliveryStatus status, int attempts, Instant nextAttemptAt, Integer code, String reason) {
  }

  /** An attempt's outcome for a delivery that has its row. */
  record Advance(UUID id, int attempt, DeliveryStatus status, Instant nextAttemptAt, Integer code, String reason,
                 Instant createdAt) {
  }

  /** A move of a delivery that has its row. */
  record Moved(UUID id, Move kind, Instant at, String reason, Instant createdAt) {
  }

  /** A delivery the ledger recovers: in its event's fan-out, without a row. */
  public record Missing(UUID id, String eventId, UUID subscriptionId, UUID applicationId, String eventType,
                        Instant receivedAt) {
  }

  /** Filters of a history listing; null fields do not filter. */
  public record Filter(UUID applicationId, UUID subscriptionId, List<DeliveryStatus> statuses, String eventType,
                       OffsetDateTime from, OffsetDateTime until) {
  }

  /** A keyset position: the last row of the previous page. */
  public record Cursor(OffsetDateTime createdAt, UUID id) {
  }

  public Future<Void> insertBorn(SqlClient sql, List<Born> born, Instant receivedAt) {
    if (born.isEmpty()) {
      return Future.succeededFuture();
    }
    return sql.preparedQuery(INSERT_BORN).execute(Columns.of(born).uuid(Born::id).text(Born::eventId)
      .uuid(Born::subscriptionId).uuid(Born::applicationId).text(Born::eventType).text(b -> b.status().sql())
      .text(Born::failureReason).value(utc(receivedAt)).tuple()).mapEmpty();
  }

  Future<Void> insertFirst(SqlClient sql, List<First> rows) {
    return rows.isEmpty() ? Future.succeededFuture() : sql.preparedQuery(FIRST).execute(Columns.of(rows)
      .uuid(r -> r.job().deliveryId()).text(r -> r.job().eventId()).uuid(r -> r.job().subscriptionId())
      .uuid(r -> r.job().unrecorded().applicationId()).text(r -> r.job().type()).text(r -> r.status().sql())
      .integer(First::attempts).timestamp(First::nextAttemptAt).integer(First::code).text(First::reason)
      .timestamp(r -> r.job().createdAt()).tuple()).mapEmpty();
  }

  Future<Void> advance(SqlClient sql, List<Advance> rows) {
    return rows.isEmpty() ? Future.succeededFuture() : sql.preparedQuery(ADVANCE).execute(Columns.of(rows)
      .uuid(Advance::id).integer(Advance::attempt).text(r -> r.status().sql()).timestamp(Advance::nextAttemptAt)
      .integer(Advance::code).text(Advance::reason).timestamp(Advance::createdAt).tuple()).mapEmpty();
  }

  Future<Void> move(SqlClient sql, List<Moved> rows) {
    return rows.isEmpty() ? Future.succeededFuture() : sql.preparedQuery(MOVE).execute(Columns.of(rows)
      .uuid(Moved::id).text(r -> r.kind().sql()).timestamp(Moved::at).text(Moved::reason).timestamp(Moved::createdAt)
      .tuple()).mapEmpty();
  }

  /** Leases up to {@code limit} due deliveries to {@code node} for {@code leaseMs}, oldest due first. */
  Future<List<Claimed>> claimDue(SqlClient sql, int limit, long leaseMs, String node) {
    return sql.preparedQuery(CLAIM_DUE).execute(Tuple.of(limit, leaseMs, node)).map(DeliveryStore::claimed);
  }

  /** Leases up to {@code limit} parked deliveries of these subscriptions to {@code node}. */
  Future<List<Claimed>> claimParked(SqlClient sql, int limit, long leaseMs, String node, List<UUID> subscriptions) {
    return sql.preparedQuery(CLAIM_PARKED)
      .execute(Tuple.of(limit, leaseMs, node, subscriptions.toArray(UUID[]::new))).map(DeliveryStore::claimed);
  }

  /** A leased delivery, before its event's payload is added to make it a job. */
  public record Claimed(UUID id, String eventId, UUID subscriptionId, String eventType, int attempts,
                        Instant createdAt) {
    public DeliveryJob job(String body) {
      return new DeliveryJob(id, eventId, subscriptionId, eventType, attempts, body, createdAt);
    }

    /** The job, continuing its event's trace. */
    public DeliveryJob job(EventStore.Sent sent) {
      return new DeliveryJob(id, eventId, subscriptionId, eventType, attempts, sent.body(), createdAt, null,
        sent.traceparent());
    }
  }

  private static List<Claimed> claimed(RowSet<Row> rows) {
    List<Claimed> claimed = new ArrayList<>(rows.size());
    for (Row row : rows) {
      claimed.add(new Claimed(row.getUUID("id"), row.getString("event_id"), row.getUUID("subscription_id"),
        row.getString("event_type"), row.getInteger("attempts"), row.getOffsetDateTime("created_at").toInstant()));
    }
    return claimed;
  }

  Future<Long> countDue(SqlClient sql) {
    return count(sql, COUNT_DUE);
  }

  Future<Long> countParked(SqlClient sql) {
    return count(sql, COUNT_PARKED);
  }

  Future<List<UUID>> parkedSubscriptions(SqlClient sql) {
    return sql.query(PARKED_SUBSCRIPTIONS).execute().map(rows -> {
      List<UUID> ids = new ArrayList<>();
      rows.forEach(row -> ids.add(row.getUUID(0)));
      return ids;
    });
  }

  /** Makes up to {@code limit} parked deliveries of these subscriptions due now; how many. */
  Future<Integer> releaseParked(SqlClient sql, List<UUID> subscriptions, int limit) {
    return sql.preparedQuery(RELEASE_PARKED).execute(Tuple.of(subscriptions.toArray(UUID[]::new), limit))
      .map(RowSet::rowCount);
  }

  Future<Integer> releaseProbe(SqlClient sql, UUID subscription) {
    return sql.preparedQuery(RELEASE_PROBE).execute(Tuple.of(subscription)).map(RowSet::rowCount);
  }

  /** A resumed subscription's held deliveries are due now. */
  public Future<Integer> releaseHeld(SqlClient sql, UUID subscription) {
    return sql.preparedQuery(RELEASE_HELD).execute(Tuple.of(subscription)).map(RowSet::rowCount);
  }

  /** This node is stopping: the deliveries it leased and did not finish are due now for the others. */
  public Future<Integer> releaseLeasesOf(SqlClient sql, String node, long leaseMs) {
    return sql.preparedQuery(RELEASE_OWN).execute(Tuple.of(node, leaseMs)).map(RowSet::rowCount);
  }

  /** Leases held by nodes other than {@code live} are taken back: they are gone. */
  Future<Integer> releaseLeasesNotOf(SqlClient sql, List<String> live, long leaseMs) {
    return sql.preparedQuery(RELEASE_OTHERS)
      .execute(Tuple.tuple().addArrayOfString(live.toArray(String[]::new)).addLong(leaseMs)).map(RowSet::rowCount);
  }

  /** Rows, due now, for deliveries that had none; how many were new. */
  Future<Integer> insertMissing(SqlClient sql, List<Missing> missing) {
    if (missing.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return sql.preparedQuery(INSERT_MISSING).execute(Columns.of(missing).uuid(Missing::id).text(Missing::eventId)
      .uuid(Missing::subscriptionId).uuid(Missing::applicationId).text(Missing::eventType)
      .timestamp(Missing::receivedAt).tuple()).map(RowSet::rowCount);
  }

  // ---- history ----

  private record Query(String where, Tuple args) {
  }

  private static Query where(Filter f) {
    StringBuilder sql = new StringBuilder(" WHERE true");
    Tuple args = Tuple.tuple();
    if (f.applicationId() != null) {
      args.addUUID(f.applicationId());
      sql.append(" AND application_id = $").append(args.size());
    }
    if (f.subscriptionId() != null) {
      args.addUUID(f.subscriptionId());
      sql.append(" AND subscription_id = $").append(args.size());
    }
    if (f.statuses() != null) {
      args.addArrayOfString(f.statuses().stream().map(DeliveryStatus::sql).toArray(String[]::new));
      sql.append(" AND status = ANY($").append(args.size()).append(")");
      if (!f.statuses().contains(DeliveryStatus.SUCCESS)) {
        // Spelled out so that even a generic plan may use the indexes of deliveries that did not succeed.
        sql.append(" AND status <> 'success'");
      }
    }
    if (f.eventType() != null) {
      args.addString(f.eventType());
      sql.append(" AND event_type = $").append(args.size());
    }
    if (f.from() != null) {
      args.addOffsetDateTime(f.from());
      sql.append(" AND created_at >= $").append(args.size());
    }
    if (f.until() != null) {
      args.addOffsetDateTime(f.until());
      sql.append(" AND created_at < $").append(args.size());
    }
    return new Query(sql.toString(), args);
  }

  /** Newest first; offset paging with a total. */
  public Future<Paged<Delivery>> page(SqlClient sql, Filter filter, int limit, int offset) {
    Query q = where(filter);
    Tuple pageArgs = copy(q.args()).addInteger(limit).addInteger(offset);
    String page = "SELECT " + COLUMNS + ", count(*) OVER () AS total FROM deliveries" + q.where()
      + " ORDER BY created_at DESC, id DESC LIMIT $" + (q.args().size() + 1) + " OFFSET $" + (q.args().size() + 2);
    String count = "SELECT count(*) FROM deliveries" + q.where();
    return Paged.query(sql, page, pageArgs, count, q.args(), Delivery::from);
  }

  /** Newest first after the cursor; no total (it would cost a count over the whole history). */
  public Future<List<Delivery>> after(SqlClient sql, Filter filter, Cursor cursor, int limit) {
    Query q = where(filter);
    Tuple args = copy(q.args());
    String statement = "SELECT " + COLUMNS + " FROM deliveries" + q.where();
    if (cursor != null) {
      args.addOffsetDateTime(cursor.createdAt()).addUUID(cursor.id());
      statement += " AND (created_at, id) < ($" + (args.size() - 1) + ", $" + args.size() + ")";
    }
    args.addInteger(limit);
    statement += " ORDER BY created_at DESC, id DESC LIMIT $" + args.size();
    return sql.preparedQuery(statement).execute(args).map(DeliveryStore::all);
  }

  /** One delivery, of the application when one is given; null when there is none. */
  public Future<Delivery> get(SqlClient sql, UUID id, UUID applicationId) {
    return sql.preparedQuery(byId(GET, id, 3)).execute(nearIdTime(Tuple.of(id, applicationId), id))
      .map(rows -> rows.size() == 0 ? null : Delivery.from(rows.iterator().next()));
  }

  private static String byId(String statement, UUID id, int firstBound) {
    return String.format(statement, id.version() == 7 ? String.format(NEAR_ID_TIME, firstBound, firstBound + 1) : "");
  }

  private static Tuple nearIdTime(Tuple args, UUID id) {
    if (id.version() == 7) {
      Instant made = Instant.ofEpochMilli(id.getMostSignificantBits() >>> 16);
      args.addOffsetDateTime(utc(made.minusSeconds(1))).addOffsetDateTime(utc(made.plusSeconds(60)));
    }
    return args;
  }

  /** Every delivery of an event (received at {@code receivedAt}) that has its row. */
  public Future<List<Delivery>> ofEvent(SqlClient sql, String eventId, OffsetDateTime receivedAt) {
    return sql.preparedQuery(OF_EVENT).execute(Tuple.of(eventId, receivedAt)).map(DeliveryStore::all);
  }

  /** The status and subscription of a delivery, or null when it does not exist (for the application). */
  public Future<Row> statusOf(SqlClient sql, UUID id, UUID applicationId) {
    return sql.preparedQuery(byId(STATUS_OF, id, 3)).execute(nearIdTime(Tuple.of(id, applicationId), id))
      .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** Leases the delivery for an attempt now; what its job needs but the payload, or null when it cannot be retried now. */
  public Future<Claimed> retry(SqlClient sql, UUID id, UUID applicationId, long leaseMs, String node) {
    return sql.preparedQuery(byId(RETRY, id, 5)).execute(nearIdTime(Tuple.of(id, applicationId, leaseMs, node), id))
      .map(rows -> rows.size() == 0 ? null : claimed(rows).get(0));
  }

  /** Re-queues up to {@code limit} failed deliveries of a subscription created in [since, until). */
  public Future<Integer> recover(SqlClient sql, UUID subscription, OffsetDateTime since, OffsetDateTime until, int limit) {
    return sql.preparedQuery(RECOVER).execute(Tuple.of(subscription, since, until, limit)).map(RowSet::rowCount);
  }

  /** Deletes a subscription's deliveries in these statuses created before {@code before}; their ids. */
  public Future<List<UUID>> clear(SqlClient sql, UUID subscription, List<DeliveryStatus> statuses, OffsetDateTime before) {
    return sql.preparedQuery(CLEAR).execute(Tuple.of(subscription,
      statuses.stream().map(DeliveryStatus::sql).toArray(String[]::new), before)).map(DeliveryStore::ids);
  }

  /** Deletes every delivery of these subscriptions; their ids. */
  public Future<List<UUID>> deleteOfSubscriptions(SqlClient sql, List<UUID> subscriptions) {
    return sql.preparedQuery(DELETE_OF_SUBSCRIPTIONS).execute(Tuple.of(subscriptions.toArray(UUID[]::new)))
      .map(DeliveryStore::ids);
  }

  /** A delivery kept past its partition, and its event. */
  public record Carried(UUID id, String eventId) {
  }

  /** Carries the deliveries of a detached partition that are not final into the table; how many. */
  public Future<Integer> carryFrom(SqlClient sql, String detachedPartition) {
    return sql.query(String.format(CARRY, detachedPartition)).execute().map(RowSet::rowCount);
  }

  /** The deliveries carried past their partitions (or written outside any) that are not final yet. */
  public Future<List<Carried>> carried(SqlClient sql) {
    return sql.query(CARRIED).execute().map(rows -> {
      List<Carried> carried = new ArrayList<>(rows.size());
      rows.forEach(row -> carried.add(new Carried(row.getUUID("id"), row.getString("event_id"))));
      return carried;
    });
  }

  /** Carried deliveries that have become final and are older than {@code cutoff} go, as their partition did. */
  public Future<Integer> expireCarried(SqlClient sql, Instant cutoff) {
    return sql.preparedQuery(EXPIRE_CARRIED).execute(Tuple.of(utc(cutoff))).map(RowSet::rowCount);
  }

  public Future<Void> insertTest(SqlClient sql, DeliveryJob job, UUID applicationId, String node) {
    return sql.preparedQuery(INSERT_TEST).execute(Tuple.of(job.deliveryId(), job.eventId(), job.subscriptionId(),
      applicationId, job.type(), node, utc(job.createdAt()))).mapEmpty();
  }

  public Future<Void> finishTest(SqlClient sql, DeliveryJob job, DeliveryStatus status, Integer code, String reason) {
    return sql.preparedQuery(FINISH_TEST).execute(Tuple.of(job.deliveryId(), status.sql(), code, reason,
      utc(job.createdAt()))).mapEmpty();
  }

  private static List<Delivery> all(RowSet<Row> rows) {
    List<Delivery> list = new ArrayList<>(rows.size());
    rows.forEach(row -> list.add(Delivery.from(row)));
    return list;
  }

  private static List<UUID> ids(RowSet<Row> rows) {
    List<UUID> ids = new ArrayList<>(rows.size());
    rows.forEach(row -> ids.add(row.getUUID(0)));
    return ids;
  }

  private static Future<Long> count(SqlClient sql, String statement) {
    return sql.query(statement).execute().map(rows -> rows.iterator().next().getLong(0));
  }

  private static Tuple copy(Tuple tuple) {
    Tuple copy = Tuple.tuple();
    for (int i = 0; i < tuple.size(); i++) {
      copy.addValue(tuple.getValue(i));
    }
    return copy;
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
