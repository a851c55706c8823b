package io.hookgate.retention;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/** The {@code erasures} table: requests to erase a merchant's payloads, and how far each has come. */
final class ErasureStore {
  private static final String COLUMNS = """
    id, merchant_id, from_at, until_at, status, events_erased, attempts_erased, deliveries_stopped, created_at,
    completed_at""";
  private static final String INSERT = "INSERT INTO erasures (id, merchant_id, from_at, until_at) VALUES ($1, $2, $3, $4)"
    + " RETURNING " + COLUMNS;
  private static final String GET = "SELECT " + COLUMNS + " FROM erasures WHERE id = $1";
  /** The oldest running request no live node is working on, leased to this one. */
  private static final String CLAIM = """
    UPDATE erasures SET lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond', updated_at = now()
     WHERE id = (SELECT id FROM erasures
                  WHERE status = 'running' AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $1)
                  ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING""" + " " + COLUMNS;
  private static final String PROGRESS = """
    UPDATE erasures
       SET events_erased = events_erased + $2, attempts_erased = attempts_erased + $3,
           deliveries_stopped = deliveries_stopped + $4, updated_at = now(),
           status = CASE WHEN $5 THEN 'done' ELSE status END,
           completed_at = CASE WHEN $5 THEN now() END,
           lease_owner = CASE WHEN $5 THEN NULL ELSE lease_owner END
     WHERE id = $1""";

  /** A request as stored. */
  record Erasure(UUID id, String merchantId, Instant from, Instant until, String status, long eventsErased,
                 long attemptsErased, long deliveriesStopped, OffsetDateTime createdAt, OffsetDateTime completedAt) {
    static Erasure from(Row row) {
      return new Erasure(row.getUUID("id"), row.getString("merchant_id"),
        row.getOffsetDateTime("from_at").toInstant(), row.getOffsetDateTime("until_at").toInstant(),
        row.getString("status"), row.getLong("events_erased"), row.getLong("attempts_erased"),
        row.getLong("deliveries_stopped"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("completed_at"));
    }

    JsonObject json() {
      return new JsonObject()
        .put("id", id.toString())
        .put("merchant_id", merchantId)
        .put("from", from.equals(Erasures.BEGINNING) ? null : from.toString())
        .put("until", until.toString())
        .put("status", status)
        .put("events_erased", eventsErased)
        .put("attempts_erased", attemptsErased)
        .put("deliveries_stopped", deliveriesStopped)
        .put("created_at", createdAt.toInstant().toString())
        .put("completed_at", completedAt == null ? null : completedAt.toInstant().toString());
    }
  }

  Future<Erasure> insert(SqlClient sql, UUID id, String merchantId, Instant from, Instant until) {
    return sql.preparedQuery(INSERT).execute(Tuple.of(id, merchantId, utc(from), utc(until)))
      .map(rows -> Erasure.from(rows.iterator().next()));
  }

  Future<Erasure> get(SqlClient sql, UUID id) {
    return sql.preparedQuery(GET).execute(Tuple.of(id))
      .map(rows -> rows.size() == 0 ? null : Erasure.from(rows.iterator().next()));
  }

  Future<Erasure> claim(SqlClient sql, String node, long leaseMs) {
    return sql.preparedQuery(CLAIM).execute(Tuple.of(node, leaseMs))
      .map(rows -> rows.size() == 0 ? null : Erasure.from(rows.iterator().next()));
  }

  Future<Void> progress(SqlClient sql, UUID id, int events, int attempts, int stopped, boolean done) {
    return sql.preparedQuery(PROGRESS).execute(Tuple.of(id, events, attempts, stopped, done)).mapEmpty();
  }

  private static OffsetDateTime utc(Instant t) {
    return t.atOffset(ZoneOffset.UTC);
  }
}
